package relay

import "errors"

// Multi fans one session's audio out to several recordings (sink: both —
// the cloud and the local file). A failing recording does not stop the
// others: each call reaches every recording and the errors are joined.
// Nil recordings are skipped; a single one is returned as is.
func Multi(recs ...Recording) Recording {
	var m multi
	for _, r := range recs {
		if r != nil {
			m = append(m, r)
		}
	}
	if len(m) == 1 {
		return m[0]
	}
	return m
}

type multi []Recording

// WriteFrame implements Sink. It allocates only when a recording fails.
func (m multi) WriteFrame(f *Frame) error {
	var errs []error
	for _, r := range m {
		if err := r.WriteFrame(f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Pause implements Recording.
func (m multi) Pause() {
	for _, r := range m {
		r.Pause()
	}
}

// Resume implements Recording.
func (m multi) Resume() {
	for _, r := range m {
		r.Resume()
	}
}

// Close implements Recording; it closes every recording.
func (m multi) Close(final FinalMeta) error {
	var errs []error
	for _, r := range m {
		if err := r.Close(final); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
