package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxFileSize bounds a config file; a real one is a few KiB, so anything
// near this is a wrong path (a log, a core file), not a config.
const maxFileSize = 1 << 20

// Load reads, decodes and validates the file at path. An empty path returns
// Default(): with no config file the appliance is a loopback lab recorder.
// Files named by *_file keys are not opened; call CheckFiles for that.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config: %s: larger than %d bytes: %w", path, maxFileSize, ErrSyntax)
	}
	return Parse(path, data)
}

// Parse decodes data over Default() and validates the result. name is only
// used in error messages ("edge.yaml:12: ..."). Keys the document does not
// set keep their defaults; an empty document is the defaults.
//
// Every problem found is returned at once, joined, in line order; each is
// an *Error. On error the returned config is nil.
func Parse(name string, data []byte) (*Config, error) {
	r := &report{src: source{name: name, lines: map[string]int{}}}
	root, err := parseNode(data)
	if err != nil {
		r.addSyntax(err)
		return nil, r.err()
	}
	cfg := Default()
	if root == nil {
		cfg.src = r.src
		return cfg, nil // the defaults, which are valid
	}
	if root.Kind != yaml.MappingNode {
		r.addAt(root.Line, "", ErrSyntax, "the document must be a mapping of keys (sip:, media:, ...)")
		return nil, r.err()
	}
	// Walk the node tree against the schema first: it knows the dotted
	// key of every problem, which yaml.v3's own errors do not.
	walkMapping(r, root, schemaOf(cfg), "")
	// Then let yaml.v3 decode for real, with KnownFields as a second guard.
	// It decodes all it can, so the values that did decode are validated
	// too and the operator sees every problem in one pass; keys that did
	// not decode keep their defaults and cause no follow-on errors. Its own
	// messages are only needed when the walk found nothing.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && len(r.errs) == 0 {
		r.addSyntax(err)
	}
	cfg.src = r.src
	cfg.check(r)
	if err := r.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseNode returns the document's root node, nil for an empty document.
func parseNode(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, &yaml.TypeError{Errors: []string{
			"line " + strconv.Itoa(extra.Line) + ": a second YAML document; edge.yaml holds one",
		}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil // only comments, or a bare "~"
	}
	return root, nil
}

// yamlLine finds the line yaml.v3 puts in its messages: "yaml: line 3: ..."
// for syntax errors, "line 3: ..." inside a TypeError.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// addSyntax turns a yaml.v3 error into located *Errors.
func (r *report) addSyntax(err error) {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			r.addAt(n, "", ErrSyntax, "%s", sm[2])
			continue
		}
		r.addAt(0, "", ErrSyntax, "%s", m)
	}
}
