/**
 * The score networks and the factory that builds them. {@link dev.ncsn.model.net.ScoreNetworks} turns an
 * {@link dev.ncsn.model.net.Architecture} (family, preset and sizes, as stored in every manifest) into a
 * {@link dev.ncsn.model.TrainableScoreModel}; each network class declares its {@link dev.ncsn.model.net.NetworkFamily}
 * and is registered there in one line. {@link dev.ncsn.model.net.NcsnScoreNetwork} is NCSN's CondRefineNetDilated
 * (appendix A), laid out by {@code Topology} from the blocks in {@code Layers} over the native ops in {@code Ops}.
 */
package dev.ncsn.model.net;
