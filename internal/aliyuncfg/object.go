package aliyuncfg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// object is a JSON object as an ordered list of members with raw values.
type object struct {
	keys []string
	vals []json.RawMessage
}

func parseObject(data []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("reading JSON object: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the file is not a JSON object: fix or move it aside")
	}
	o := &object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("reading JSON object: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("reading JSON object: expected a key")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("reading JSON object: %w", err)
		}
		o.keys = append(o.keys, key)
		o.vals = append(o.vals, raw)
	}
	return o, nil
}

func (o *object) index(key string) int {
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

func (o *object) get(key string) (json.RawMessage, bool) {
	if i := o.index(key); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// str returns a string member ("" when absent or not a string).
func (o *object) str(key string) string {
	raw, ok := o.get(key)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func (o *object) set(key, value string) {
	o.setRaw(key, jsonString(value))
}

// jsonString encodes s as a JSON string without HTML escaping (the aliyun
// CLI's files hold commands and URLs with & and <, kept readable).
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimRight(b.Bytes(), "\n")
}

func (o *object) setRaw(key string, raw []byte) {
	if i := o.index(key); i >= 0 {
		o.vals[i] = raw
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, raw)
}

func (o *object) del(keys ...string) {
	for _, k := range keys {
		if i := o.index(k); i >= 0 {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			o.vals = append(o.vals[:i], o.vals[i+1:]...)
		}
	}
}

func (o *object) clone() *object {
	return &object{keys: append([]string(nil), o.keys...), vals: append([]json.RawMessage(nil), o.vals...)}
}

// compact encodes the object without whitespace, values as they were.
func (o *object) compact() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(k))
		b.WriteByte(':')
		if err := json.Compact(&b, o.vals[i]); err != nil {
			b.Write(o.vals[i])
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
