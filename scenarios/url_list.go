package scenarios

import (
	"encoding/json"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/pushbench/pushbench/workload"
)

// URLList is one URL or several, written in a scenario as a string or a
// list: `url: http://127.0.0.1:8081` or `url: [http://127.0.0.1:8081,
// http://127.0.0.1:8082]`. Each URL is another server of the same service.
type URLList []string

// UnmarshalYAML reads a string or a non-empty list of strings.
func (l *URLList) UnmarshalYAML(node ast.Node) error {
	seq, ok := node.(*ast.SequenceNode)
	if !ok {
		s, err := workload.Scalar(node)
		if err != nil {
			return nodeError(node, "want a URL or a list of URLs, got %s", node.Type())
		}
		*l = nil
		if s = strings.TrimSpace(s); s != "" {
			*l = URLList{s}
		}
		return nil
	}
	if len(seq.Values) == 0 {
		return nodeError(node, "empty list: want a URL or a list of URLs")
	}
	out := make(URLList, 0, len(seq.Values))
	for _, v := range seq.Values {
		s, err := workload.Scalar(v)
		if err != nil {
			// An unquoted URL in a flow list inside a flow mapping,
			// {url: [http://a:1]}, reads as a mapping "http: //a:1".
			return nodeError(v, "want a URL, got %s (in [...] inside {...} quote each URL: \"http://host:port\")", v.Type())
		}
		if s = strings.TrimSpace(s); s == "" {
			return nodeError(v, "empty entry: want a URL")
		}
		out = append(out, s)
	}
	*l = out
	return nil
}

// MarshalJSON writes one URL as a string, as scenarios recorded before lists
// were allowed, and several as a list.
func (l URLList) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *URLList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		if one != "" {
			*l = URLList{one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// String joins the URLs with ", " for messages.
func (l URLList) String() string { return strings.Join(l, ", ") }
