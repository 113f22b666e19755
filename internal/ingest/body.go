package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
)

// readBody reads a request body of at most limit bytes once decompressed.
// Content-Encoding gzip is undone; the decompressed stream is cut at
// limit+1 bytes, so a small gzip bomb costs no more than an honest body.
func readBody(r *http.Request, limit int) ([]byte, error) {
	// Gzip can grow incompressible data by a little; allow for it on the wire.
	wire := http.MaxBytesReader(nil, r.Body, int64(limit+limit/8+1024))
	var src io.Reader = wire
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, bodyError(err, limit)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, apperr.InvalidField("Content-Encoding", "%q is not supported (use gzip or none)", enc)
	}
	size := limit + 1
	if r.ContentLength > 0 && r.ContentLength < int64(limit) && src == io.Reader(wire) {
		size = int(r.ContentLength) + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 64<<10)))
	n, err := buf.ReadFrom(io.LimitReader(src, int64(limit)+1))
	if err != nil {
		return nil, bodyError(err, limit)
	}
	if n > int64(limit) {
		return nil, apperr.InvalidField("body", "is larger than %d bytes (decompressed)", limit)
	}
	return buf.Bytes(), nil
}

func bodyError(err error, limit int) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return apperr.InvalidField("body", "is larger than %d bytes", limit)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF):
		return apperr.InvalidField("body", "is not valid gzip data: %v", err)
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	// flate.CorruptInputError and friends.
	if strings.HasPrefix(err.Error(), "flate:") {
		return apperr.InvalidField("body", "is not valid gzip data: %v", err)
	}
	return apperr.New(apperr.Invalid, "read body: %v", err)
}
