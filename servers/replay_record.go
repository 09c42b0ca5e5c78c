package servers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"

	"github.com/pushbench/pushbench/internal/wire"
)

// A replay file holds one record per line:
//
//	<id> <crc> <envelope JSON>\n
//
// id is the decimal event id, crc the CRC-32C (Castagnoli) of "<id> <JSON>"
// in 8 lowercase hex digits, and the JSON the envelope as broadcast (it never
// holds a raw line break). A line that does not decode (a torn write at the
// tail after SIGKILL, a flipped byte) is skipped; the CRC catches a torn line
// that still happens to parse.

var replayCRC = crc32.MakeTable(crc32.Castagnoli)

// errReplayRecord marks a line that is not a valid replay record.
var errReplayRecord = errors.New("not a replay record")

// appendReplayRecord appends the record of event id carrying envelope JSON
// js, newline included.
func appendReplayRecord(dst []byte, id uint64, js []byte) []byte {
	idText := strconv.AppendUint(nil, id, 10)
	sum := crc32.Update(crc32.Checksum(idText, replayCRC), replayCRC, []byte{' '})
	sum = crc32.Update(sum, replayCRC, js)
	dst = append(dst, idText...)
	dst = append(dst, ' ')
	dst = fmt.Appendf(dst, "%08x", sum)
	dst = append(dst, ' ')
	dst = append(dst, js...)
	return append(dst, '\n')
}

// decodeReplayRecord parses one record line without its newline.
func decodeReplayRecord(line []byte) (uint64, wire.Envelope, error) {
	idText, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return 0, wire.Envelope{}, fmt.Errorf("%w: no id field", errReplayRecord)
	}
	crcText, js, ok := bytes.Cut(rest, []byte{' '})
	if !ok || len(crcText) != 8 {
		return 0, wire.Envelope{}, fmt.Errorf("%w: no checksum field", errReplayRecord)
	}
	id, err := strconv.ParseUint(string(idText), 10, 64)
	if err != nil || id == 0 || idText[0] == '+' {
		return 0, wire.Envelope{}, fmt.Errorf("%w: id %.24q is not a positive decimal", errReplayRecord, idText)
	}
	want, err := strconv.ParseUint(string(crcText), 16, 32)
	if err != nil {
		return 0, wire.Envelope{}, fmt.Errorf("%w: checksum %q is not hex", errReplayRecord, crcText)
	}
	sum := crc32.Update(crc32.Checksum(idText, replayCRC), replayCRC, []byte{' '})
	if crc32.Update(sum, replayCRC, js) != uint32(want) {
		return 0, wire.Envelope{}, fmt.Errorf("%w: checksum mismatch", errReplayRecord)
	}
	env, err := wire.DecodeEnvelope(js)
	if err != nil {
		return 0, wire.Envelope{}, fmt.Errorf("%w: %w", errReplayRecord, err)
	}
	if strings.ContainsAny(env.Event, "\r\n") {
		return 0, wire.Envelope{}, fmt.Errorf("%w: event name contains a line break", errReplayRecord)
	}
	return id, env, nil
}

// replayReadChunk is the read buffer of readReplayRecords; longer lines are
// gathered piecewise up to the caller's limit.
const replayReadChunk = 64 << 10

// readReplayRecords calls each for every valid record of r in file order and
// bad for every line it skips (1-based line number): undecodable lines,
// lines longer than maxLine bytes, and an unterminated last line. It fails
// only when reading fails.
func readReplayRecords(r io.Reader, maxLine int, each func(id uint64, env wire.Envelope), bad func(line int, err error)) error {
	br := bufio.NewReaderSize(r, replayReadChunk)
	var line []byte
	tooLong := false
	for n := 1; ; {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLine+1 {
				tooLong, line = true, line[:0]
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if tooLong || len(line) > 0 {
				bad(n, fmt.Errorf("%w: unterminated last line (a write cut short)", errReplayRecord))
			}
			return nil
		case err != nil:
			return err
		}
		if tooLong {
			bad(n, fmt.Errorf("%w: line longer than %d bytes", errReplayRecord, maxLine))
		} else if id, env, derr := decodeReplayRecord(line[:len(line)-1]); derr != nil {
			bad(n, derr)
		} else {
			each(id, env)
		}
		line, tooLong = line[:0], false
		n++
	}
}
