package testdb

import (
	"context"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Demo is a fresh database seeded with the demo org (seed.Demo) and its
// three agents as actors.
type Demo struct {
	DB                *store.DB
	Org               directory.Org
	Owner, Asha, Ravi directory.Actor
}

// SeedDemo opens a fresh database for the test and seeds the demo org with
// the given number of users.
func SeedDemo(t testing.TB, users int) Demo {
	t.Helper()
	ctx := context.Background()
	db := Open(t)
	if _, err := seed.Demo(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	org, err := directory.ResolveOrg(ctx, db, seed.Org)
	if err != nil {
		t.Fatal(err)
	}
	actor := func(email string) directory.Actor {
		a, err := directory.ResolveAgent(ctx, db, org.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		return directory.Actor{Org: org, Agent: a}
	}
	return Demo{DB: db, Org: org, Owner: actor(seed.Owner), Asha: actor(seed.Asha), Ravi: actor(seed.Ravi)}
}
