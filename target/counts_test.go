package target

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestCountsRoundTrip: counts are written in their order and read back in
// the file's order, with escapes, spaces and any number of members.
func TestCountsRoundTrip(t *testing.T) {
	cs := CountsOf([]string{"z", "a\"b", "m"}, []uint64{3, 18446744073709551615})
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"z":3,"a\"b":18446744073709551615,"m":0}` {
		t.Errorf("JSON %s", b)
	}
	var back Counts
	if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back, cs) {
		t.Errorf("read back %v (%v), want %v", back, err, cs)
	}
	for in, want := range map[string]Counts{
		`{}`:                        {},
		` { "b" : 1 , "a":2 } `:     {{"b", 1}, {"a", 2}},
		"{\n\t\"\\u0041\": 7\n}":    {{"A", 7}},
		`{"x":0,"y":10,"z":123456}`: {{"x", 0}, {"y", 10}, {"z", 123456}},
	} {
		var got Counts
		if err := json.Unmarshal([]byte(in), &got); err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v (%v), want %v", in, got, err, want)
		}
	}
	keep := Counts{{"k", 1}}
	if err := json.Unmarshal([]byte(`null`), &keep); err != nil || !slices.Equal(keep, Counts{{"k", 1}}) {
		t.Errorf("null: %v (%v), want the counts left as they were", keep, err)
	}
	for _, bad := range []string{`{"a":-1}`, `{"a":1.5}`, `{"a":"1"}`, `{"a":1e3}`, `[1]`, `{"a":null}`, `{"a":18446744073709551616}`} {
		var got Counts
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s read as %v, want an error", bad, got)
		}
	}
	if cs.Get("z") != 3 || cs.Get("nope") != 0 || cs.Total() != 2 {
		t.Errorf("Get z %d, nope %d, Total %d (wraps: 3 + max)", cs.Get("z"), cs.Get("nope"), cs.Total())
	}
}

// BenchmarkCountsUnmarshal reads a sample's memory gauges, as a recording's
// reader does twice per sample, against encoding/json's map (the reader's
// way before Counts kept the order); compare the two as a ratio:
//
//	go test -run '^$' -bench CountsUnmarshal -count 5 ./target
func BenchmarkCountsUnmarshal(b *testing.B) {
	memory := []byte(`{"superslabs_mapped":5,"superslabs_peak":6,"superslab_maps":7,"superslab_unmaps":2,"large_blocks":3,"large_bytes":300000,"mapped_bytes":10785760}`)
	b.Run("counts", func(b *testing.B) {
		for b.Loop() {
			var c Counts
			if err := json.Unmarshal(memory, &c); err != nil || len(c) != 7 {
				b.Fatal(err)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			var m map[string]uint64
			if err := json.Unmarshal(memory, &m); err != nil || len(m) != 7 {
				b.Fatal(err)
			}
		}
	})
}

// TestReadObjectKeepsOrder: every member's raw value, in order, whatever
// the value (nested, strings with quotes and braces, literals), and an
// error, never a panic, for what is not one object.
func TestReadObjectKeepsOrder(t *testing.T) {
	in := ` {"class":"C\"1}","size": 16,"n":{"a":[1,{"b":"]"}]},"t":true , "z":null,"e\u0041":-1.5e3} `
	var keys, values []string
	if err := ReadObject([]byte(in), func(k string, v []byte) error {
		keys, values = append(keys, k), append(values, string(v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantK := []string{"class", "size", "n", "t", "z", "eA"}
	wantV := []string{`"C\"1}"`, "16", `{"a":[1,{"b":"]"}]}`, "true", "null", "-1.5e3"}
	if !slices.Equal(keys, wantK) || !slices.Equal(values, wantV) {
		t.Errorf("keys %q values %q, want %q %q", keys, values, wantK, wantV)
	}
	for _, bad := range []string{``, `[]`, `{`, `{"a"`, `{"a":`, `{"a":1`, `{"a" 1}`, `{1:2}`, `{"a":"x}`, `{"a":{"b":1}`, `{"a":,}`} {
		if err := ReadObject([]byte(bad), func(string, []byte) error { return nil }); err == nil {
			t.Errorf("%q read as an object", bad)
		}
	}
}
