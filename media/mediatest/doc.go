// Package mediatest helps test code that stores media: the conformance
// suite every media.Store passes (Run with a Harness), an in-memory Store
// for users' tests (Memory), a fake of Cloudinary's Upload API built from
// its documented requests and answers (FakeCloudinary), and small valid
// and hostile files to upload (PNG, JPEG, GIF, HTML, BrokenPNG,
// HostileNames).
package mediatest
