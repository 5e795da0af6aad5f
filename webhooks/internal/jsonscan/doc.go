// Package jsonscan reads a few members of a JSON document in one pass that
// also validates the whole document the way encoding/json does, without
// decoding what it does not read.
//
// A Fields value names the members to read, as paths of one or two member
// names ("id", "data.id"), and Read or ReadArray fill one raw value per
// path. The results agree with encoding/json decoding the same document
// into a struct with those fields:
//
//   - a document that is not valid JSON (a trailing comma, a bad escape, a
//     control character in a string, nesting deeper than 10,000 levels) is
//     ErrSyntax, whatever the members read;
//   - member names match the way encoding/json matches struct fields:
//     after unescaping, under Unicode case folding (bytes.EqualFold);
//   - where encoding/json would let a later member override an earlier one
//     (a name given twice, in any case), Read refuses with ErrDuplicate
//     instead of choosing, so a reader of the raw bytes can never see a
//     different value than the one returned.
//
// Values are returned raw (a string with its quotes, an object with its
// braces), as sub-slices of the input; String, Scalar and Time convert
// them.
package jsonscan
