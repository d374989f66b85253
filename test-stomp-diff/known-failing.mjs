// Scenarios Wharf does not pass yet, per transport, with where it first differs. The test fails
// when one of them passes, so this list only shrinks. Never add a scenario here to hide a regression.
export const knownFailing = {
  tcp: {},
  ws: {},
};
