/**
 * A bare libp2p node with the bridge's stack (TCP, private network, noise, yamux, gossipsub with
 * StrictSign) that publishes whatever bytes a test gives it: a hostile or broken bridge.
 */
import "../../src/bridge/with-resolvers.js";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p } from "@libp2p/interface";
import { noise } from "@libp2p/noise";
import { preSharedKey } from "@libp2p/pnet";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import { swarmKeyOf } from "../../src/bridge/room-key.js";

export type RawBridge = Libp2p<{ pubsub: GossipSub }>;

export async function startRawBridge(key: string, topic: string, dial: string): Promise<RawBridge> {
  const node: RawBridge = await createLibp2p({
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: preSharedKey({ psk: swarmKeyOf(key) }),
    services: {
      identify: identify(),
      pubsub: gossipsub({ globalSignaturePolicy: "StrictSign", allowPublishToZeroTopicPeers: true, emitSelf: false }),
    },
  });
  node.services.pubsub.subscribe(topic);
  await node.dial(multiaddr(dial));
  return node;
}
