package scap

import "testing"

func TestFormatParam(t *testing.T) {
	for _, tc := range []struct {
		typ  ParamType
		raw  []byte
		want string
	}{
		{Errno, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "-2(ENOENT)"},
		{Fd, []byte{3, 0, 0, 0, 0, 0, 0, 0}, "3"},
		{Uint32, []byte{1, 1, 0, 0}, "257"},
		{FsPath, []byte("/etc/passwd\x00"), "/etc/passwd"},
		{ByteBuf, []byte("hi\n\x00"), "hi.."},
		{CharBufArray, []byte("a\x00b\x00"), "a.b."},
		{SockAddr, []byte{2, 10, 0, 0, 1, 80, 0}, "10.0.0.1:80"},
		{SockTuple, []byte{2, 127, 0, 0, 1, 0x58, 0xb8, 127, 0, 0, 1, 80, 0}, "127.0.0.1:47192->127.0.0.1:80"},
		{Int64, []byte{1, 2, 3}, "0x010203"},
	} {
		if got := FormatParam(tc.typ, tc.raw); got != tc.want {
			t.Errorf("FormatParam(%v, % x) = %q, want %q", tc.typ, tc.raw, got, tc.want)
		}
	}
	if info, ok := EventInfo(3); !ok || info.Name != "open" || info.Dir != '<' || info.Params[0].Type != Fd {
		t.Errorf("EventInfo(3) = %+v, %v", info, ok)
	}
	if _, ok := EventInfo(65535); ok {
		t.Error("EventInfo(65535) found")
	}
}
