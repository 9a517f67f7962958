package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// routineWrite is the recording's writer: it writes each full buffer at the
// end of the data chunk, then patches the RIFF and data sizes, so the file
// on disk is a valid WAV up to the last flush at every moment.
func (r *LocalRecording) routineWrite() {
	defer close(r.writerDone)
	for c := range r.pending {
		r.flush(c)
		c.n = 0
		select {
		case r.free <- c:
		default: // cannot happen: free holds every buffer; never block the writer
		}
	}
}

func (r *LocalRecording) flush(c *chunk) {
	if hook := r.store.beforeWrite; hook != nil {
		hook()
	}
	start := time.Now()
	data := c.buf[:c.n]
	// Only this goroutine changes written, so it reads it without wmu.
	off := r.written
	if off+uint64(len(data)) > maxDataSize {
		r.failWrite(c, dropTooLarge, "write", ErrTooLarge)
		return
	}
	if _, err := r.f.WriteAt(data, wavHeaderSize+int64(off)); err != nil {
		// written does not advance: the next buffer overwrites any partial
		// write, so the file has no hole and the header stays truthful.
		r.failWrite(c, dropWriteError, "write", err)
		return
	}
	size := off + uint64(len(data))
	if err := r.patchHeader(uint32(size)); err != nil {
		r.recordErr("header", err)
	}
	if r.store.sync {
		if err := r.f.Sync(); err != nil {
			r.recordErr("sync", err)
		}
	}
	r.wmu.Lock()
	r.written = size
	r.wmu.Unlock()
	r.store.m.bytes.Add(float64(len(data)))
	r.store.m.flush.Observe(time.Since(start).Seconds())
	if hook := r.store.afterFlush; hook != nil {
		hook(size)
	}
}

// patchHeader writes the RIFF and data sizes for size bytes of samples.
func (r *LocalRecording) patchHeader(size uint32) error {
	riff, data := sizeFields(size)
	if _, err := r.f.WriteAt(riff[:], riffSizeAt); err != nil {
		return err
	}
	_, err := r.f.WriteAt(data[:], dataSizeAt)
	return err
}

// failWrite records a buffer lost to an I/O error or the size limit.
func (r *LocalRecording) failWrite(c *chunk, reason, op string, err error) {
	r.recordErr(op, err)
	r.mu.Lock()
	r.dropLocked(c.at, c.samples(), reason)
	r.mu.Unlock()
}

// recordErr logs, counts and keeps an I/O error for the manifest. The
// first few messages are kept; repeats (a full disk fails every second)
// are only counted and logged at debug level.
func (r *LocalRecording) recordErr(op string, err error) {
	r.store.m.errors.WithLabelValues(op).Inc()
	r.wmu.Lock()
	r.errCount++
	n := r.errCount
	if r.firstErr == nil {
		r.firstErr = fmt.Errorf("relay: %s %s: %w", op, filepath.Base(r.wavPath), err)
	}
	if len(r.errs) < maxErrorMsgs {
		r.errs = append(r.errs, op+": "+err.Error())
	}
	r.wmu.Unlock()
	if n == 1 {
		r.store.log.Error("recording I/O failed", "file", r.wavPath, "op", op, "err", err)
	} else {
		r.store.log.Debug("recording I/O failed again", "file", r.wavPath, "op", op, "err", err, "count", n)
	}
}

// Close flushes the buffered audio, waits for the writer, fixes the WAV
// header, syncs and closes the file, and rewrites the JSON with status
// "complete". It blocks on I/O; call it from the session's goroutine, not
// the media worker. A second Close returns ErrClosed.
func (r *LocalRecording) Close(final FinalMeta) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.closed = true
	now := r.store.now()
	r.endHoldLocked(now)
	c := r.cur
	r.cur = nil
	r.mu.Unlock()

	// closed is set, so no WriteFrame or Pause sends on pending any more.
	if c != nil && c.n > 0 {
		r.pending <- c // may wait for the disk: Close is allowed to
	}
	close(r.pending)
	<-r.writerDone

	var errs []error
	r.wmu.Lock()
	size := r.written
	r.wmu.Unlock()
	var hdr [wavHeaderSize]byte
	marshalWAVHeader(hdr[:], uint32(size))
	if _, err := r.f.WriteAt(hdr[:], 0); err != nil {
		r.recordErr("header", err)
		errs = append(errs, err)
	}
	if err := r.f.Sync(); err != nil {
		r.recordErr("sync", err)
		errs = append(errs, err)
	}
	if err := r.f.Close(); err != nil {
		r.recordErr("close", err)
		errs = append(errs, err)
	}

	r.mu.Lock()
	r.final = final
	r.final.Keys = final.Keys.Clone()
	r.final.Agents = cloneOrNil(final.Agents)
	r.closedAt = now
	r.mu.Unlock()
	m := r.manifest(StatusComplete)
	if err := writeJSONAtomic(r.jsonPath, &m); err != nil {
		r.recordErr("json", err)
		errs = append(errs, err)
	}
	r.store.forget(r)
	r.store.log.Info("recording closed", "session", m.SessionID, "file", r.wavPath,
		"seconds", m.DurationSeconds, "dropped_samples", m.Dropped.SamplesPerChannel, "errors", m.ErrorCount)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("relay.Close: %w", err)
	}
	return nil
}

// writeJSONAtomic replaces path with v's JSON so that readers see the old
// or the new document, never a torn one, even across a crash: write a
// temporary file in the same directory, fsync it, rename it over path, and
// fsync the directory so the rename itself is durable.
func writeJSONAtomic(path string, v any) (err error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o640); err != nil {
		return err
	}
	if _, err = tmp.Write(b); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil // the file is in place; only the rename's durability is unsure
	}
	defer d.Close()
	_ = d.Sync()
	return nil
}
