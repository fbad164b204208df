// Package meta provides the enrichment fields every labelled source offers:
// meta.label[KEY] and meta.labels, over events that implement event.Labeled.
package meta

import (
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// Fields returns the meta.* field descriptors.
func Fields() []field.Desc {
	return []field.Desc{
		{Name: "meta.label", Type: field.String, Flags: field.ArgRequired | field.ArgKey,
			Doc: "An enrichment label of the event: a static label from the configuration (labels:) or a key the record carries beyond the source's schema, e.g. meta.label[cluster].",
			New: func(arg string, _ bool) (field.Extractor, error) {
				return labelExtractor(arg), nil
			}},
		{Name: "meta.labels", Type: field.String, IsList: true,
			Doc: "Every enrichment label of the event as key=value.",
			New: func(string, bool) (field.Extractor, error) {
				return field.ExtractorFunc(allLabels), nil
			}},
	}
}

// scratcher is implemented by events that own a buffer for rendered values.
type scratcher interface{ Scratch() *[]byte }

func labelExtractor(key string) field.Extractor {
	return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
		l, ok := ev.(event.Labeled)
		if !ok {
			return dst, false
		}
		s, ok := ev.(scratcher)
		if !ok {
			return dst, false
		}
		buf := s.Scratch()
		start := len(*buf)
		out, ok := l.Label(*buf, key)
		if !ok {
			return dst, false
		}
		*buf = out
		return append(dst, field.Value{B: out[start:len(out):len(out)]}), true
	})
}

func allLabels(ev event.Event, dst []field.Value) ([]field.Value, bool) {
	l, ok := ev.(event.Labeled)
	if !ok {
		return dst, false
	}
	s, ok := ev.(scratcher)
	if !ok {
		return dst, false
	}
	buf := s.Scratch()
	n := len(dst)
	l.EachLabel(func(k string, v []byte) {
		start := len(*buf)
		*buf = append(append(append(*buf, k...), '='), v...)
		dst = append(dst, field.Value{B: (*buf)[start:len(*buf):len(*buf)]})
	})
	return dst, len(dst) > n
}
