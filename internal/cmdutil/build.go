package cmdutil

import "runtime/debug"

// Build is what goreleaser's ldflags set.
type Build struct {
	Version, Commit, Date string
}

// Unset are the values a build without goreleaser's ldflags has.
var Unset = Build{Version: "dev", Commit: "none", Date: "unknown"}

// WithBuildInfo fills what the ldflags left unset from the Go build info:
// `go install github.com/inboxctl/inboxctl@v1.2.3` records the module
// version, and a build from a git checkout the revision and commit time.
func (b Build) WithBuildInfo(info *debug.BuildInfo) Build {
	if info == nil {
		return b
	}
	if b.Version == Unset.Version {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == Unset.Commit {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.Date == Unset.Date {
				b.Date = s.Value
			}
		}
	}
	return b
}
