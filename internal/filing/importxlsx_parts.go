package filing

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

// sheetMerges returns the merged ranges of the sheet stored in part; when
// the part could not be told from the workbook's relationships, it asks
// excelize, which decodes the whole sheet to answer.
func sheetMerges(f *excelize.File, sheet string, part *zip.File) ([]mergeRange, error) {
	if part != nil {
		return readMerges(part)
	}
	mcs, err := f.GetMergeCells(sheet, true)
	if err != nil {
		return nil, err
	}
	var out []mergeRange
	for _, mc := range mcs {
		c1, r1, err1 := excelize.CellNameToCoordinates(mc.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(mc.GetEndAxis())
		if err1 == nil && err2 == nil {
			out = append(out, mergeRange{left: min(c1, c2) - 1, top: min(r1, r2), right: max(c1, c2) - 1, bottom: max(r1, r2)})
		}
	}
	return out, nil
}

// mergeRange is a merged range of cells: columns from 0, rows from 1.
type mergeRange struct{ left, top, right, bottom int }

var mergeRef = regexp.MustCompile(`\bref\s*=\s*["']([A-Za-z]+[0-9]+):([A-Za-z]+[0-9]+)["']`)

// readMerges reads the merged ranges of a worksheet. They come after the
// cells, so the part is scanned as a stream for its mergeCell tags rather
// than decoded whole.
func readMerges(zf *zip.File) ([]mergeRange, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var out []mergeRange
	for {
		_, err := br.ReadSlice('<')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		name, _ := br.Peek(24)
		if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
			name = name[:i]
		}
		if j := bytes.IndexByte(name, ':'); j >= 0 {
			name = name[j+1:]
		}
		if string(name) != "mergeCell" {
			continue
		}
		tag, err := br.ReadSlice('>')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return out, nil
		}
		m := mergeRef.FindSubmatch(tag)
		if m == nil {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(string(m[1]))
		c2, r2, err2 := excelize.CellNameToCoordinates(string(m[2]))
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, mergeRange{left: min(c1, c2) - 1, top: min(r1, r2), right: max(c1, c2) - 1, bottom: max(r1, r2)})
		if len(out) >= maxMerges {
			return out, nil
		}
	}
}

// sheetPaths maps each sheet's name to its part in the zip, following the
// workbook's relationships.
func sheetPaths(parts map[string]*zip.File) map[string]string {
	book := "xl/workbook.xml"
	for _, rel := range readRels(parts["_rels/.rels"], "") {
		if strings.HasSuffix(rel.typ, "/officeDocument") {
			book = rel.target
		}
	}
	dir := path.Dir(book)
	targets := map[string]string{}
	for _, rel := range readRels(parts[strings.ToLower(dir+"/_rels/"+path.Base(book)+".rels")], dir) {
		targets[rel.id] = rel.target
	}
	out := map[string]string{}
	zf := parts[strings.ToLower(book)]
	if zf == nil {
		return out
	}
	rc, err := zf.Open()
	if err != nil {
		return out
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, maxXMLBytes))
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "sheet" {
			var name, id string
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name" && a.Name.Space == "":
					name = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				}
			}
			if t, ok := targets[id]; ok {
				out[name] = t
			}
		}
	}
}

// rel is one relationship of a part.
type rel struct{ id, typ, target string }

// readRels reads a relationships part; targets are resolved against dir.
func readRels(zf *zip.File, dir string) []rel {
	if zf == nil {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var out []rel
	dec := xml.NewDecoder(io.LimitReader(rc, maxXMLBytes))
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var r rel
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.typ = a.Value
			case "Target":
				r.target = a.Value
			}
		}
		if strings.HasPrefix(r.target, "/") {
			r.target = strings.TrimPrefix(r.target, "/")
		} else {
			r.target = path.Join(dir, r.target)
		}
		out = append(out, r)
	}
}
