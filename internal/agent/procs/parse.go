package procs

import "bytes"

// stat is what a walk needs from /proc/PID/stat.
type stat struct {
	comm                []byte
	utime, stime, start uint64
	rssPages            uint64
}

// parseStat reads /proc/PID/stat. The command name is in parentheses and may itself contain
// spaces and parentheses, so the fields are counted from the last ')' (proc(5)).
func parseStat(b []byte) (stat, bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return stat{}, false
	}
	s := stat{comm: b[open+1 : end]}
	rest := b[end+1:]
	// Fields after the name, numbered as in proc(5): 3 state … 14 utime, 15 stime, 22
	// starttime, 24 rss.
	var ok1, ok2, ok3, ok4 bool
	for field := 3; field <= 24; field++ {
		var tok []byte
		tok, rest = nextField(rest)
		if len(tok) == 0 {
			return stat{}, false
		}
		switch field {
		case 14:
			s.utime, ok1 = atou(tok)
		case 15:
			s.stime, ok2 = atou(tok)
		case 22:
			s.start, ok3 = atou(tok)
		case 24:
			// rss is signed in the kernel's format; a negative value (never seen, but
			// allowed) counts as 0.
			if len(tok) > 0 && tok[0] == '-' {
				s.rssPages, ok4 = 0, true
			} else {
				s.rssPages, ok4 = atou(tok)
			}
		}
	}
	return s, ok1 && ok2 && ok3 && ok4
}

// parseUID returns the effective uid from /proc/PID/status ("Uid: real effective saved fs").
func parseUID(b []byte) (uint32, bool) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if rest, ok := bytes.CutPrefix(line, []byte("Uid:")); ok {
			_, rest = nextField(rest)
			eff, _ := nextField(rest)
			v, ok := atou(eff)
			return uint32(v), ok && v < 1<<32
		}
	}
	return 0, false
}

// parseIO returns read_bytes and write_bytes from /proc/PID/io: the bytes that reached the
// storage layer, which is what an operator means by a process's disk I/O.
func parseIO(b []byte) (read, write uint64, ok bool) {
	var okR, okW bool
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if v, found := bytes.CutPrefix(line, []byte("read_bytes:")); found {
			tok, _ := nextField(v)
			read, okR = atou(tok)
		} else if v, found := bytes.CutPrefix(line, []byte("write_bytes:")); found {
			tok, _ := nextField(v)
			write, okW = atou(tok)
		}
	}
	return read, write, okR && okW
}

// cmdline turns /proc/PID/cmdline (arguments separated and ended by NUL) into one line, cut
// to the wire limit on a UTF-8 boundary.
func cmdline(b []byte, max int) string {
	b = bytes.TrimRight(b, "\x00")
	out := make([]byte, len(b))
	for i, ch := range b {
		if ch == 0 || ch == '\n' {
			ch = ' '
		}
		out[i] = ch
	}
	return cut(string(out), max)
}

// cut shortens s to at most max bytes without splitting a UTF-8 sequence.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i]
}

// parsePasswd adds uid → name from /etc/passwd lines "name:x:uid:…".
func parsePasswd(b []byte, into map[uint32]string) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		f := bytes.SplitN(line, []byte(":"), 4)
		if len(f) < 4 || len(f[0]) == 0 || f[0][0] == '#' {
			continue
		}
		if uid, ok := atou(f[2]); ok && uid < 1<<32 {
			if _, dup := into[uint32(uid)]; !dup {
				into[uint32(uid)] = string(f[0])
			}
		}
	}
}

// parseBtime returns the boot time in unix seconds from /proc/stat.
func parseBtime(b []byte) (uint64, bool) {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			tok, _ := nextField(v)
			return atou(tok)
		}
	}
	return 0, false
}

func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// nextField skips spaces and tabs and returns the token that follows and the rest of b.
func nextField(b []byte) (tok, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' {
		j++
	}
	return b[i:j], b[j:]
}

// atou parses an unsigned decimal number; ok is false for anything else, including overflow.
func atou(b []byte) (v uint64, ok bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}
