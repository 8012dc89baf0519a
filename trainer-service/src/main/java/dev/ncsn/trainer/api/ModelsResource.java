package dev.ncsn.trainer.api;

import dev.ncsn.trainer.TrainerService;
import dev.ncsn.trainer.core.ModelVersionsView;
import dev.ncsn.trainer.core.UnknownRunException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A model's versions: {@code GET /v1/models/{name}/versions} lists them with their scores, gate verdicts and which
 * is live; {@code GET /v1/models/{name}/versions/{version}/{file}} serves a version's samples.png, loss.png,
 * evaluation.json or manifest.json.
 */
@Path("/v1/models")
public class ModelsResource {

    @Inject
    TrainerService service;

    @GET
    @Path("{name}/versions")
    @Produces(MediaType.APPLICATION_JSON)
    public ModelVersionsView versions(@PathParam("name") String name) {
        return service.node().versions(name);
    }

    @GET
    @Path("{name}/versions/{version}/{file}")
    public Response file(@PathParam("name") String name, @PathParam("version") String version,
                         @PathParam("file") String file) {
        byte[] bytes = service.node().versionFile(name, version, file).orElseThrow(() -> new UnknownRunException(
                "no file " + file + " in version " + version + " of " + name));
        String type = file.endsWith(".png") ? "image/png"
                : file.endsWith(".json") ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_OCTET_STREAM;
        return Response.ok(bytes, type).build();
    }
}
