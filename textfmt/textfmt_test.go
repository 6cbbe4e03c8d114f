package textfmt

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "00:00", 999 * time.Millisecond: "00:00", 61 * time.Second: "01:01",
		time.Hour - time.Second: "59:59", time.Hour + 2*time.Minute + 3*time.Second: "1:02:03",
	} {
		if got := Clock(d); got != want {
			t.Errorf("Clock(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Rate(math.NaN()), "—"}, {Rate(0), "0"}, {Rate(0.4), "<1"}, {Rate(0.5), "<1"}, {Rate(0.99), "<1"}, {Rate(1), "1"}, {Rate(812.4), "812"}, {Rate(999.6), "1000"},
		{Rate(12_345), "12.3k"}, {Rate(4_564_000), "4.6M"}, {Rate(71_240_000), "71.2M"}, {Rate(1.25e9), "1.2G"},
		{Bytes(512), "512 B"}, {Bytes(12 << 10), "12.0 KiB"}, {Bytes(34_200_000), "32.6 MiB"}, {Bytes(3 << 40), "3.0 TiB"},
		{Size(8), "8"}, {Size(1024), "1024"}, {Size(2048), "2K"}, {Size(3000), "3000"}, {Size(65536), "64K"},
		{ClassSize(1, 8), "8"}, {ClassSize(65537, 0), ">64K"},
		{Percent(0.998), "99.8%"}, {Percent(math.NaN()), "—"}, {Points(0.5), "50.0"},
		{Signed(0.04), "0.0"}, {Signed(-0.04), "0.0"}, {Signed(2.25), "+2.2"}, {Signed(-3), "-3.0"},
		{Change(0, 0), ""}, {Change(0, 5), "new"}, {Change(200, 250), "+25.0%"}, {Change(200, 100), "-50.0%"},
		{Duration(1234 * time.Millisecond), "1.2s"}, {Duration(350_400 * time.Microsecond), "350ms"}, {Duration(40_400 * time.Nanosecond), "40µs"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{1, "sample", "1 sample"}, {2, "sample", "2 samples"}, {0, "run", "0 runs"},
		{3, "class", "3 classes"}, {2, "entry", "2 entries"}, {2, "day", "2 days"}, {1, "worker", "1 worker"},
		{2, "was", "2 were"}, {2, "counter epoch", "2 counter epochs"}, {1, "counter epoch", "1 counter epoch"}, {3, "epoch", "3 epochs"},
	} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
	for _, tc := range []struct {
		n          int
		word, want string
	}{{1, "it", "it"}, {3, "it", "them"}, {1, "its", "its"}, {2, "its", "their"}, {1, "differs", "differs"}, {2, "differs", "differ"}} {
		if got := Noun(tc.n, tc.word); got != tc.want {
			t.Errorf("Noun(%d, %q) = %q, want %q", tc.n, tc.word, got, tc.want)
		}
	}
	if got := Count(1, "run") + " per arm"; got != "1 run per arm" {
		t.Errorf("%q", got)
	}
}

func TestTableStyle(t *testing.T) {
	styled := NewTable(1, "name", "n").Row("a", "1").Row("bb", "22").Render()
	got := ansi.Strip(styled)
	want := "┌──────┬────┐\n│ name │ n  │\n├──────┼────┤\n│ a    │  1 │\n│ bb   │ 22 │\n└──────┴────┘"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(styled, "\x1b[1mname") {
		t.Errorf("headers are not bold: %q", styled)
	}
}
