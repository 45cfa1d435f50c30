//go:build deployment

package e2e

// deploymentTests is true under -tags deployment: the tests that drive the
// built binary on a terminal, signal it, start the demo's own server, real
// shells or release builds are compiled in, and TestMain builds the binary
// for them (README "Development").
const deploymentTests = true
