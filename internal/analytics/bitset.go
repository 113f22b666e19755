package analytics

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// Customer sets are stored in chunks of 65,536 customer ordinals. A chunk is
// kept as a sorted array of 16-bit offsets while it holds at most 4,096
// customers (2 bytes each) and as a plain 8 KiB bitmap beyond that, the two
// container kinds of Roaring bitmaps.
const (
	chunkShift = 16
	chunkWords = 1 << chunkShift / 64
	arrayMax   = 4096
	kindArray  = 'a'
	kindBitmap = 'b'
)

// bitmap is one chunk's members, one bit per ordinal.
type bitmap [chunkWords]uint64

func (b *bitmap) set(i uint16)           { b[i>>6] |= 1 << (i & 63) }
func (b *bitmap) clear(i uint16)         { b[i>>6] &^= 1 << (i & 63) }
func (b *bitmap) has(i uint16) bool      { return b[i>>6]&(1<<(i&63)) != 0 }
func (b *bitmap) or(o *bitmap)           { orWords(b[:], o[:]) }
func (b *bitmap) and(o *bitmap)          { andWords(b[:], o[:]) }
func (b *bitmap) andNot(o *bitmap)       { andNotWords(b[:], o[:]) }
func (b *bitmap) count() int             { return countWords(b[:]) }
func (b *bitmap) copyFrom(o *bitmap)     { *b = *o }
func chunkOf(n int64) (int64, uint16)    { return n >> chunkShift, uint16(n & (1<<chunkShift - 1)) }
func ordinalOf(chunk int64, i int) int64 { return chunk<<chunkShift | int64(i) }

func orWords(a, b []uint64) {
	for i := range a {
		a[i] |= b[i]
	}
}

func andWords(a, b []uint64) {
	for i := range a {
		a[i] &= b[i]
	}
}

func andNotWords(a, b []uint64) {
	for i := range a {
		a[i] &^= b[i]
	}
}

func countWords(a []uint64) int {
	n := 0
	for _, w := range a {
		n += bits.OnesCount64(w)
	}
	return n
}

// decodeChunk ORs an encoded chunk into dst.
func decodeChunk(dst *bitmap, enc []byte) error {
	if len(enc) == 0 {
		return nil
	}
	body := enc[1:]
	switch enc[0] {
	case kindArray:
		if len(body)%2 != 0 {
			return fmt.Errorf("customer set chunk: odd array length %d", len(body))
		}
		for i := 0; i < len(body); i += 2 {
			dst.set(binary.LittleEndian.Uint16(body[i:]))
		}
	case kindBitmap:
		if len(body) != chunkWords*8 {
			return fmt.Errorf("customer set chunk: bitmap of %d bytes", len(body))
		}
		for i := range dst {
			dst[i] |= binary.LittleEndian.Uint64(body[i*8:])
		}
	default:
		return fmt.Errorf("customer set chunk: unknown kind %q", enc[0])
	}
	return nil
}

// encodeChunk encodes a chunk in its smaller container.
func encodeChunk(src *bitmap) []byte {
	n := src.count()
	if n > arrayMax {
		out := make([]byte, 1+chunkWords*8)
		out[0] = kindBitmap
		for i, w := range src {
			binary.LittleEndian.PutUint64(out[1+i*8:], w)
		}
		return out
	}
	out := make([]byte, 1, 1+2*n)
	out[0] = kindArray
	for wi, w := range src {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			out = binary.LittleEndian.AppendUint16(out, uint16(wi*64+t))
			w &= w - 1
		}
	}
	return out
}

// CustomerSet is a set of customer ordinals, by chunk.
type CustomerSet map[int64]*bitmap

// add puts ordinal n in the set.
func (s CustomerSet) add(n int64) {
	c, i := chunkOf(n)
	b := s[c]
	if b == nil {
		b = new(bitmap)
		s[c] = b
	}
	b.set(i)
}

// Has reports whether ordinal n is in the set.
func (s CustomerSet) Has(n int64) bool {
	c, i := chunkOf(n)
	b := s[c]
	return b != nil && b.has(i)
}

// Len counts the members.
func (s CustomerSet) Len() int {
	n := 0
	for _, b := range s {
		n += b.count()
	}
	return n
}

// Clone returns an independent copy.
func (s CustomerSet) Clone() CustomerSet {
	out := make(CustomerSet, len(s))
	for c, b := range s {
		nb := new(bitmap)
		nb.copyFrom(b)
		out[c] = nb
	}
	return out
}

// Or adds o's members to s.
func (s CustomerSet) Or(o CustomerSet) {
	for c, b := range o {
		if d := s[c]; d != nil {
			d.or(b)
		} else {
			nb := new(bitmap)
			nb.copyFrom(b)
			s[c] = nb
		}
	}
}

// And keeps only members also in o.
func (s CustomerSet) And(o CustomerSet) {
	for c, b := range s {
		if ob := o[c]; ob != nil {
			b.and(ob)
		} else {
			delete(s, c)
		}
	}
}

// AndNot removes o's members.
func (s CustomerSet) AndNot(o CustomerSet) {
	for c, b := range s {
		if ob := o[c]; ob != nil {
			b.andNot(ob)
		}
	}
}

// Intersect returns the members in both sets, leaving them unchanged.
func Intersect(a, b CustomerSet) CustomerSet {
	out := a.Clone()
	out.And(b)
	return out
}

// Members lists the ordinals in ascending order (for tests and examples).
func (s CustomerSet) Members() []int64 {
	chunks := make([]int64, 0, len(s))
	for c := range s {
		chunks = append(chunks, c)
	}
	slices.Sort(chunks)
	var out []int64
	for _, c := range chunks {
		for wi, w := range s[c] {
			for w != 0 {
				out = append(out, ordinalOf(c, wi*64+bits.TrailingZeros64(w)))
				w &= w - 1
			}
		}
	}
	return out
}
