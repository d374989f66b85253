import { strict as assert } from 'node:assert';
import { parseDestination, parseComposite, wildcardMatches, destinationMatches } from '../src/destination';
import { InvalidDestinationError } from '../src/errors';

describe('destination', () => {
  it('destination - parses kinds and bare names', () => {
    assert.equal(parseDestination('queue://A.B').url, 'queue://A.B');
    assert.equal(parseDestination('C', 'topic').url, 'topic://C');
    assert.equal(parseDestination('temp-queue://x:1').kind, 'temp-queue');
  });
  it('destination - rejects bad names with a clear error', () => {
    for (const bad of ['', 'queue://', 'foo://x', 'queue://a..b', 'queue://a\u0000b', 'queue:// a']) {
      assert.throws(() => parseDestination(bad, 'queue'), InvalidDestinationError, bad);
    }
    assert.throws(() => parseDestination('X'), /has no kind/);
  });
  it('destination - composite keeps per-element kinds (seed: cd.queue,topic://cd.mark)', () => {
    assert.deepEqual(parseComposite('cd.queue,topic://cd.mark', 'queue').map((d) => d.url), ['queue://cd.queue', 'topic://cd.mark']);
    assert.deepEqual(parseComposite('FOO.A,FOO.B,FOO.C', 'queue').map((d) => d.url), ['queue://FOO.A', 'queue://FOO.B', 'queue://FOO.C']);
    assert.throws(() => parseComposite('A,,B', 'queue'), InvalidDestinationError);
  });
  it('destination - wildcards: * one element, > the rest', () => {
    assert.ok(wildcardMatches('PRICE.>', 'PRICE.STOCK.NASDAQ'));
    assert.ok(wildcardMatches('PRICE.>', 'PRICE'));
    assert.ok(wildcardMatches('PRICE.*.NASDAQ', 'PRICE.STOCK.NASDAQ'));
    assert.ok(!wildcardMatches('PRICE.*', 'PRICE.STOCK.NASDAQ'));
    assert.ok(!wildcardMatches('PRICE.*.NYSE', 'PRICE.STOCK.NASDAQ'));
    assert.ok(wildcardMatches('*.*.*', 'A.B.C'));
    assert.ok(!destinationMatches(parseDestination('queue://A.>'), parseDestination('topic://A.B')));
  });
});
