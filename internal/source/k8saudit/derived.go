package k8saudit

import (
	"strconv"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/field"
)

// first keeps only the first value of a list extractor.
func first(inner extractFn) extractFn {
	return func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		start := len(dst)
		dst, ok := inner(e, dst, arg, hasArg)
		if !ok {
			return dst[:start], false
		}
		return dst[:start+1], true
	}
}

// subjectNames lists the names of binding subjects of one kind.
func subjectNames(kind string) extractFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		a := audit(e)
		if a == nil {
			return dst, false
		}
		start := len(dst)
		for _, s := range a.GetArray("requestObject", "subjects") {
			if string(s.GetStringBytes("kind")) == kind {
				if n := s.GetStringBytes("name"); n != nil {
					dst = append(dst, field.Value{B: n})
				}
			}
		}
		return dst, len(dst) > start
	}
}

// subjectNSNames lists namespace:name of service account subjects.
func subjectNSNames(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	a := audit(e)
	if a == nil {
		return dst, false
	}
	start := len(dst)
	for _, s := range a.GetArray("requestObject", "subjects") {
		if string(s.GetStringBytes("kind")) != "ServiceAccount" {
			continue
		}
		off := len(e.scratch)
		e.scratch = append(e.scratch, s.GetStringBytes("namespace")...)
		e.scratch = append(e.scratch, ':')
		e.scratch = append(e.scratch, s.GetStringBytes("name")...)
		dst = append(dst, field.Value{B: e.scratch[off:len(e.scratch):len(e.scratch)]})
	}
	return dst, len(dst) > start
}

// subjectHasName is "true" when a binding subject has the given name.
func subjectHasName(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
	a := audit(e)
	if a == nil {
		return dst, false
	}
	subs := a.GetArray("requestObject", "subjects")
	if subs == nil {
		return dst, false
	}
	for _, s := range subs {
		if string(s.GetStringBytes("name")) == arg {
			return append(dst, field.Value{B: trueBytes}), true
		}
	}
	return append(dst, field.Value{B: falseBytes}), true
}

// effective gives, per container, its securityContext key, else the pod's, else 0.
func effective(key string) extractFn {
	return func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		a := audit(e)
		if a == nil {
			return dst, false
		}
		conts := a.GetArray("requestObject", "spec", "containers")
		if hasArg {
			i, _ := strconv.Atoi(arg)
			if i >= len(conts) {
				return dst, false
			}
			conts = conts[i : i+1]
		}
		pod := a.Get("requestObject", "spec", "securityContext", key)
		start := len(dst)
		for _, c := range conts {
			v := c.Get("securityContext", key)
			if v == nil {
				v = pod
			}
			if v == nil {
				dst = append(dst, field.Value{B: zeroBytes})
				continue
			}
			dst = append(dst, field.Value{B: e.text(v)})
		}
		return dst, len(dst) > start
	}
}

var zeroBytes = []byte("0")

// volumeTypes lists, per volume, the name of its type key (hostPath, secret...).
func volumeTypes(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
	a := audit(e)
	if a == nil {
		return dst, false
	}
	vols := a.GetArray("requestObject", "spec", "volumes")
	if hasArg {
		i, _ := strconv.Atoi(arg)
		if i >= len(vols) {
			return dst, false
		}
		vols = vols[i : i+1]
	}
	start := len(dst)
	for _, v := range vols {
		o, err := v.Object()
		if err != nil {
			continue
		}
		o.Visit(func(k []byte, x *fastjson.Value) {
			if string(k) != "name" {
				dst = append(dst, field.Value{B: k})
			}
		})
	}
	return dst, len(dst) > start
}
