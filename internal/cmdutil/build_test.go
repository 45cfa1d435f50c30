package cmdutil

import (
	"runtime/debug"
	"testing"
)

func TestWithBuildInfo(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T21:51:13Z"},
	}}
	if got, want := Unset.WithBuildInfo(info), (Build{"v1.4.0", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T21:51:13Z"}); got != want {
		t.Errorf("go install build: %+v, want %+v", got, want)
	}
	// The ldflags win.
	ld := Build{"1.2.3", "abc1234", "2026-11-25T00:00:00Z"}
	if got := ld.WithBuildInfo(info); got != ld {
		t.Errorf("ldflags build: %+v", got)
	}
	// A build from a checkout without VCS stamps keeps "dev".
	if got := Unset.WithBuildInfo(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); got != Unset {
		t.Errorf("devel build: %+v", got)
	}
	if got := Unset.WithBuildInfo(nil); got != Unset {
		t.Errorf("no build info: %+v", got)
	}
}
