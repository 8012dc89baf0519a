package dev.ncsn.trainer.api;

import dev.ncsn.trainer.TrainerService;
import dev.ncsn.trainer.core.RunRequest;
import dev.ncsn.trainer.core.RunView;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;

/**
 * Runs: {@code POST /v1/runs} starts one (201), {@code GET /v1/runs} lists them, {@code GET /v1/runs/{id}} shows
 * one with its progress, {@code POST /v1/runs/{id}/stop} stops one (202), {@code POST /v1/runs/{id}/resume}
 * continues one (202). Errors are application/problem+json ({@link ProblemResponses}).
 */
@Path("/v1/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {

    @Inject
    TrainerService service;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(String body, @Context UriInfo uri) {
        RunView run = service.node().start(RunRequest.parse(body));
        return Response.created(uri.getAbsolutePathBuilder().path(run.id()).build()).entity(run).build();
    }

    @GET
    public List<RunView> list() {
        return service.node().runs();
    }

    @GET
    @Path("{id}")
    public RunView get(@PathParam("id") String id) {
        return service.node().run(id);
    }

    @POST
    @Path("{id}/stop")
    public Response stop(@PathParam("id") String id) {
        return Response.accepted(service.node().stop(id)).build();
    }

    @POST
    @Path("{id}/resume")
    public Response resume(@PathParam("id") String id) {
        return Response.accepted(service.node().resume(id)).build();
    }
}
