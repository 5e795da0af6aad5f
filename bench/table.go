package main

import (
	"fmt"
	"io"
	"strings"
)

// Status is the verdict of a row against its goal.
type Status int

const (
	// Info rows have no goal.
	Info Status = iota
	// Met rows reached their goal.
	Met
	// Missed rows did not.
	Missed
	// Skipped rows were not measured (a service was not configured).
	Skipped
	// Failed rows could not be measured because of an error.
	Failed
)

// String returns the word printed in the Result column.
func (s Status) String() string {
	switch s {
	case Met:
		return "met"
	case Missed:
		return "**missed**"
	case Skipped:
		return "skipped"
	case Failed:
		return "**error**"
	}
	return "info"
}

// Row is one line of the result table: a measurement of Switchboard and of
// its baseline on the same input, their ratio and the goal.
type Row struct {
	Name     string
	Subject  string
	Baseline string
	Ratio    string
	Goal     string
	Status   Status
	Note     string
}

// skippedRow is a row that was not measured because env is unset.
func skippedRow(name, goal, env string) Row {
	return Row{Name: name, Goal: goal, Status: Skipped, Note: "skipped: set " + env}
}

// errorRow is a row whose measurement failed.
func errorRow(name, goal string, err error) Row {
	return Row{Name: name, Goal: goal, Status: Failed, Note: "error: " + err.Error()}
}

// verdict returns Met when ok, else Missed.
func verdict(ok bool) Status {
	if ok {
		return Met
	}
	return Missed
}

// cell escapes text for a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	if s == "" {
		return "–"
	}
	return s
}

// writeTable writes rows as one markdown table.
func writeTable(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| Benchmark | Switchboard | Baseline | Ratio | Goal | Result |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rows {
		result := r.Status.String()
		if r.Note != "" {
			result += " (" + r.Note + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n",
			cell(r.Name), cell(r.Subject), cell(r.Baseline), cell(r.Ratio), cell(r.Goal), cell(result))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
