//go:build !deployment

package e2e

// deploymentTests is false without -tags deployment: no test needs the
// built binary, so TestMain does not build it.
const deploymentTests = false
