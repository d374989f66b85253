// One mocha run covers every tier: unit and integration tests of each package, the examples,
// and the multi-process cluster tests. Files are the compiled JavaScript (npm run build first).
module.exports = {
  spec: [
    'packages/*/dist/test/**/*.test.js',
    'test-integration/dist/**/*.test.js',
    'examples/test/**/*.test.mjs',
    'test-stomp-diff/*.test.mjs',
    'test-cluster/**/*.test.mjs',
    'test-install/**/*.test.mjs',
  ],
  timeout: 30000,
  exit: true,
  reporter: 'spec',
};
