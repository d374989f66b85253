// Real ZooKeeper servers for tests (standalone and ensemble, free loopback ports, killed when
// the test process exits). Implemented once in @wharf/cluster, whose own tests need it and
// cannot depend on the testkit; re-exported here for every other test.
export {
  startZooKeeper,
  startZooKeeperEnsemble,
  zooKeeperClasspath,
  type StartZooKeeperOptions,
  type ZooKeeperEnsembleHandle,
  type ZooKeeperHandle,
} from '@wharf/cluster';
