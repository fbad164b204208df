// Package github is the GitHub webhook source (source github). It stands in
// for Falco's github plugin over recorded events: one JSON object per line,
// each a webhook payload with the plugin's additions (`webhook_type`, the
// X-GitHub-Event header; for pushes, `files` with the secrets found in the
// commit diffs; for workflow runs, `workflow_miner_detections`). The webhook
// server and the diff and workflow scans that need the GitHub API are a
// separate piece of work; recorded events carry their results.
package github

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/field"
	je "github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// SourceName is the event source name rules use.
const SourceName = "github"

// Event is one record; valid only during the emit callback.
type Event struct{ je.Event }

// Reader decodes recorded webhook events; it reuses its parser and event.
type Reader struct {
	p   fastjson.Parser
	ev  Event
	seq uint64
	// Now gives the time of events without a timestamp (default time.Now).
	Now func() time.Time
}

// Decode emits the event in one line. Its time is the payload's
// `received_at` (RFC 3339) when recorded, else the time of reading.
func (r *Reader) Decode(line []byte, emit func(*Event)) error {
	v, err := r.p.ParseBytes(line)
	if err != nil || v.Type() != fastjson.TypeObject {
		return fmt.Errorf("not a GitHub webhook event: %v", err)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	ts := now()
	if t, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("received_at"))); err == nil {
		ts = t
	}
	r.seq++
	r.ev.Reset(SourceName, ts.UnixNano(), r.seq, v)
	emit(&r.ev)
	return nil
}

// ReadPath reads a file of recorded webhook events, one per line.
func (r *Reader) ReadPath(ctx context.Context, path string, emit func(*Event), onError func(error)) error {
	return je.ReadLines(ctx, path, 32<<20, func(line []byte) error { return r.Decode(line, emit) }, onError)
}

// fn computes a field's text; ok false means no value.
type fn func(v *fastjson.Value, b []byte) (out []byte, ok bool)

func desc(name, doc string, f fn) field.Desc {
	return je.Desc(name, field.String, 0, doc, func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		s := d.Scratch()
		start := len(*s)
		out, ok := f(d.JSON(), *s)
		if !ok {
			*s = (*s)[:start]
			return dst, false
		}
		*s = out
		return append(dst, field.Value{B: out[start:len(out):len(out)]}), true
	})
}

// at is the string at a path ("" when absent or not a string), always present.
func at(path ...string) fn {
	return func(v *fastjson.Value, b []byte) ([]byte, bool) { return append(b, v.GetStringBytes(path...)...), true }
}

func joinCommitFiles(key string) fn {
	return func(v *fastjson.Value, b []byte) ([]byte, bool) {
		for _, c := range v.GetArray("commits") {
			for i, f := range c.GetArray(key) {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, f.GetStringBytes()...)
			}
		}
		return b, true
	}
}

// matches joins one attribute of every secret match of every scanned file.
func matches(attr func(file, match *fastjson.Value, b []byte) []byte) fn {
	return func(v *fastjson.Value, b []byte) ([]byte, bool) {
		files := v.GetArray("files")
		if files == nil {
			return b, false
		}
		n := 0
		for _, f := range files {
			for _, m := range f.GetArray("matches") {
				if n > 0 {
					b = append(b, ',')
				}
				n++
				b = attr(f, m, b)
			}
		}
		return b, true
	}
}

// Fields returns the github source's fields.
func Fields() []field.Desc {
	repoURL := at("repository", "html_url")
	return []field.Desc{
		desc("github.type", "Message type, e.g. 'star' or 'repository'.", at("webhook_type")),
		desc("github.action", "The github event action, qualifying github.type (e.g. created, deleted).", at("action")),
		desc("github.user", "Name of the user that triggered the event.", at("sender", "login")),
		desc("github.repo", "(deprecated) URL of the git repository where the event occurred.", repoURL),
		desc("github.repo.url", "URL of the git repository where the event occurred.", repoURL),
		desc("github.repo.name", "Name of the git repository (owner/name).", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			return append(b, strings.TrimPrefix(string(v.GetStringBytes("repository", "html_url")), "https://github.com/")...), true
		}),
		desc("github.repo.description", "Description of the GitHub repository.", at("repository", "description")),
		desc("github.org", "Name of the organization the git repository belongs to.", at("organization", "login")),
		desc("github.owner", "Name of the repository's owner.", at("repository", "owner", "login")),
		desc("github.repo.public", "'true' if the repository affected by the action is public, 'false' otherwise.", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			return strconv.AppendBool(b, !v.GetBool("repository", "private")), true
		}),
		desc("github.collaborator.name", "The member name for messages that add or remove users.", at("member", "login")),
		desc("github.collaborator.role", "The role given to the member.", at("changes", "permission", "to")),
		desc("github.webhook.id", "When a new webhook has been created, the webhook id.", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			return strconv.AppendUint(b, v.GetUint64("hook", "id"), 10), true
		}),
		desc("github.webhook.type", "When a new webhook has been created, the webhook type, e.g. 'repository'.", at("hook", "type")),
		desc("github.commit.added", "Comma separated list of files that have been added.", joinCommitFiles("added")),
		desc("github.commit.modified", "Comma separated list of files that have been modified.", joinCommitFiles("modified")),
		desc("github.commit.removed", "Comma separated list of files that have been removed.", joinCommitFiles("removed")),
		desc("github.diff.has_secrets", "For push messages, 'true' if the diff of one of the commits contains a secret.", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			files := v.GetArray("files")
			if files == nil {
				return b, false
			}
			found := false
			for _, f := range files {
				found = found || len(f.GetArray("matches")) > 0
			}
			return strconv.AppendBool(b, found), true
		}),
		desc("github.diff.committed_secrets.desc", "Descriptions of the committed secrets, comma separated.", matches(func(_, m *fastjson.Value, b []byte) []byte {
			return append(b, m.GetStringBytes("desc")...)
		})),
		desc("github.diff.committed_secrets.files", "Files in which the secrets were committed, comma separated.", matches(func(f, _ *fastjson.Value, b []byte) []byte {
			return append(b, f.GetStringBytes("name")...)
		})),
		desc("github.diff.committed_secrets.lines", "Line positions of the committed secrets, comma separated.", matches(func(_, m *fastjson.Value, b []byte) []byte {
			return strconv.AppendUint(b, m.GetUint64("line"), 10)
		})),
		desc("github.diff.committed_secrets.links", "Source links of the committed secrets, comma separated.", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			repo, head := v.GetStringBytes("repository", "html_url"), v.GetStringBytes("head_commit", "id")
			return matches(func(f, m *fastjson.Value, b []byte) []byte {
				b = append(append(append(append(append(b, repo...), "/blob/"...), head...), '/'), f.GetStringBytes("name")...)
				return strconv.AppendUint(append(b, "/#L"...), m.GetUint64("line"), 10)
			})(v, b)
		}),
		desc("github.workflow.has_miners", "For workflow_run messages, 'true' if a miner was detected in the workflow definition file.", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			ms := v.Get("workflow_miner_detections", "matches")
			if ms == nil {
				return b, false
			}
			return strconv.AppendBool(b, len(ms.GetArray()) > 0), true
		}),
		desc("github.workflow.miners.type", "For workflow_run messages, the types of the detected miners, comma separated.", func(v *fastjson.Value, b []byte) ([]byte, bool) {
			ms := v.GetArray("workflow_miner_detections", "matches")
			if ms == nil {
				return b, false
			}
			seen := map[string]bool{}
			for _, m := range ms {
				t := string(m.GetStringBytes("type"))
				if !seen[t] {
					if len(seen) > 0 {
						b = append(b, ',')
					}
					seen[t] = true
					b = append(b, t...)
				}
			}
			return b, true
		}),
		desc("github.workflow.filename", "For workflow_run messages, the name of the workflow definition file.", at("workflow", "path")),
	}
}
