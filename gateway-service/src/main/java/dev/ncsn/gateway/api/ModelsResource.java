package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.GatewayNode;
import dev.ncsn.gateway.core.ModelCatalog;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** The models in the store, their versions with scores, and which version is live. */
@Path("/v1/models")
@Tag(name = "models")
public class ModelsResource {

    public record ModelList(String defaultModel, List<ModelCatalog.ModelView> models) {
    }

    @Inject
    GatewayNode node;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Models and versions", description = "Every model in the store with its versions "
            + "(training step, architecture, input shape, scores such as the held-out loss) and its live version, "
            + "which serves new jobs.")
    public ModelList models() {
        return new ModelList(node.catalog().defaultModel(), node.catalog().list());
    }
}
