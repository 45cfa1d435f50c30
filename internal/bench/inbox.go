package bench

import "context"

const (
	pageTarget        = "≤ 2 ms in-process"
	pageProcessTarget = "≤ 40 ms as a process"
)

func opPages(ctx context.Context, r *run) ([]Result, error) {
	return []Result{notAvailable("inbox list pages", pageTarget+"; "+pageProcessTarget, "this build has no internal/inbox")}, nil
}
