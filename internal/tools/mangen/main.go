// Command mangen writes inboxctl's man pages (section 1, one per command)
// from the command tree with cobra's doc generator. The release runs it in
// a goreleaser before-hook; the pages are not committed.
//
//	go run ./internal/tools/mangen DIR
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/inboxctl/inboxctl/cmd"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/tools/mangen DIR")
		os.Exit(2)
	}
	if err := generate(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mangen:", err)
		os.Exit(1)
	}
}

// generate writes DIR/inboxctl.1, DIR/inboxctl-spam-mark.1, ... The date
// is $SOURCE_DATE_EPOCH's when set, so a release build is reproducible.
func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}}
	root := cmd.NewCmdRoot(f)
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd() // cobra adds it at run time; it gets pages too
	date := time.Now()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		date = time.Unix(sec, 0).UTC()
	}
	return doc.GenManTree(root, &doc.GenManHeader{
		Title:   "INBOXCTL",
		Section: "1",
		Source:  "inboxctl",
		Manual:  "inboxctl manual",
		Date:    &date,
	}, dir)
}
