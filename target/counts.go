package target

// Counts: named counts in a fixed order, written as one JSON object whose
// keys are the names in that order (a snapshot's invalid frees or gauges,
// in a recording or a report). Reading one back keeps the file's order, so
// a document that is read and written again is unchanged. ReadObject is
// that reading for any object whose members' order means something.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Count is one named count.
type Count struct {
	Name  string
	Value uint64
}

// Counts are named counts in order.
type Counts []Count

// CountsOf pairs names with their values (0 past the end of values).
func CountsOf(names []string, values []uint64) Counts {
	out := make(Counts, len(names))
	for i, name := range names {
		out[i].Name = name
		if i < len(values) {
			out[i].Value = values[i]
		}
	}
	return out
}

// Get returns the count named name, 0 when there is none.
func (cs Counts) Get(name string) uint64 {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return 0
}

// Total returns the sum of the counts.
func (cs Counts) Total() uint64 {
	var t uint64
	for _, c := range cs {
		t += c.Value
	}
	return t
}

// MarshalJSON writes {"name":value,...} in order.
func (cs Counts) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Name)
		b = append(b, ':')
		b = strconv.AppendUint(b, c.Value, 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object of counts, keeping its order (ReadObject).
// A member whose value is not an unsigned integer is an error, and null,
// as for encoding/json's own types, leaves cs as it is.
func (cs *Counts) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	out := Counts{}
	err := ReadObject(data, func(key string, value []byte) error {
		v, err := strconv.ParseUint(string(value), 10, 64)
		if err != nil {
			return fmt.Errorf("counts: %s: want an unsigned integer", key)
		}
		out = append(out, Count{Name: key, Value: v})
		return nil
	})
	if errors.Is(err, errNotObject) {
		return errors.New("counts: want a JSON object of counts")
	}
	if err != nil {
		return err
	}
	*cs = out
	return nil
}

// errNotObject is ReadObject's error for data that is no JSON object.
var errNotObject = errors.New("want a JSON object")

// ReadObject calls member with each key of the JSON object data and the
// raw bytes of its value, in the document's order: the one reader of an
// object whose order is part of its meaning (Counts, a run report's class
// rows). data is one JSON value, as encoding/json hands an UnmarshalJSON
// after checking it; anything else is an error, never a panic.
func ReadObject(data []byte, member func(key string, value []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errNotObject
	}
	for i = skipSpace(data, i+1); i < len(data) && data[i] != '}'; {
		end := valueEnd(data, i)
		if end < 0 || data[i] != '"' {
			return errNotObject
		}
		raw := data[i:end]
		key := string(raw[1 : len(raw)-1]) // unquoted the fast way unless it has escapes
		if bytes.IndexByte(raw, '\\') >= 0 {
			if err := json.Unmarshal(raw, &key); err != nil {
				return err
			}
		}
		if i = skipSpace(data, end); i >= len(data) || data[i] != ':' {
			return errNotObject
		}
		i = skipSpace(data, i+1)
		if end = valueEnd(data, i); end < 0 {
			return errNotObject
		}
		if err := member(key, data[i:end]); err != nil {
			return err
		}
		if i = skipSpace(data, end); i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	if i >= len(data) {
		return errNotObject
	}
	return nil
}

// valueEnd returns the index just past the JSON value that starts at
// data[i], or -1 when none ends there.
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				e := valueEnd(data, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i // a number, true, false or null
	for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' && data[j] != ' ' && data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
