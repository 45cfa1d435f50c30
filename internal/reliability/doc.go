// Package reliability holds inboxctl's fault, hostile-input, permission,
// concurrency and secrets tests. It has no code of its own: its tests run
// the built binary and the services against a real PostgreSQL, terminate
// backends, send SIGINT, hold locks, and check that every rule still holds
// and no password is ever printed.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package reliability
