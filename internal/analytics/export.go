package analytics

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
)

// FindTable returns the table called name among a report's tables, or the
// first one when name is empty. An unknown name is an invalid "table" field
// that lists the names there are.
func FindTable(tables []Table, name string) (Table, error) {
	names := make([]string, 0, len(tables))
	for _, t := range tables {
		if name == "" || t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	return Table{}, apperr.InvalidField("table", "unknown table %q: want one of %s", name, strings.Join(names, ", "))
}

// CSVName is the file name of a report's table exported as CSV:
// omni-<report>-<table>-<first day>-<last day>.csv, without the days for
// the zero period (a report over all time).
func CSVName(report, table string, p Period) string {
	name := "omni-" + report + "-" + table
	if p.To > p.From {
		r := p.Range()
		name += "-" + r.From + "-" + r.To
	}
	return name + ".csv"
}

// WriteCSV writes the table as CSV, the column names first.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	return cw.WriteAll(t.Rows)
}
