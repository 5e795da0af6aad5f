package webhooks

import "github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"

// GitHub signs the body but not X-GitHub-Event, and its payloads do not
// name their event. What a payload does say is its shape: most events
// carry a top-level member named after their object ("pull_request",
// "workflow_run", ...), and the ones that share objects differ in others
// ("issue" alone is issues, "issue" and "comment" is issue_comment). The
// table below gives, for each event type it knows, the top-level members
// its payload always has and those it never has, from GitHub's webhook
// payload documentation.
//
// A delivery's X-GitHub-Event must be one of the most specific known types
// the body fits: a type the body fits whose required members are not a
// strict subset of another fitting type's. A type the table does not know
// is accepted only for a body that fits none of the known ones. So a
// captured push body cannot be run by the pull_request function, nor an
// issue_comment body by the issues one. What the table cannot tell apart
// stays interchangeable: dependabot_alert, secret_scanning_alert and
// repository_vulnerability_alert (each only "alert"), deployment and
// deployment_protection_rule when the latter carries no
// deployment_callback_url, and two event types it does not know.

// githubShape is the payload shape of one event type.
type githubShape struct {
	event     string
	required  []string
	forbidden []string
}

var githubShapes = []githubShape{
	{event: "branch_protection_rule", required: []string{"rule"}},
	{event: "check_run", required: []string{"check_run"}},
	{event: "check_suite", required: []string{"check_suite"}},
	{event: "code_scanning_alert", required: []string{"alert", "ref", "commit_oid"}},
	{event: "commit_comment", required: []string{"comment"}, forbidden: []string{"issue", "pull_request", "discussion"}},
	{event: "create", required: []string{"ref", "ref_type", "master_branch"}},
	{event: "delete", required: []string{"ref", "ref_type"}, forbidden: []string{"master_branch"}},
	{event: "dependabot_alert", required: []string{"alert"}},
	{event: "deploy_key", required: []string{"key"}},
	{event: "deployment", required: []string{"deployment"}, forbidden: []string{"deployment_status", "deployment_callback_url"}},
	{event: "deployment_protection_rule", required: []string{"deployment"}, forbidden: []string{"deployment_status"}},
	{event: "deployment_review", required: []string{"workflow_run", "since"}},
	{event: "deployment_status", required: []string{"deployment_status", "deployment"}},
	{event: "discussion", required: []string{"discussion"}},
	{event: "discussion_comment", required: []string{"discussion", "comment"}},
	{event: "fork", required: []string{"forkee"}},
	{event: "gollum", required: []string{"pages"}},
	{event: "issue_comment", required: []string{"issue", "comment"}},
	{event: "issues", required: []string{"issue"}},
	{event: "label", required: []string{"label"}, forbidden: []string{"issue", "pull_request", "discussion"}},
	{event: "marketplace_purchase", required: []string{"marketplace_purchase"}},
	{event: "member", required: []string{"member"}, forbidden: []string{"team"}},
	{event: "membership", required: []string{"member", "team", "scope"}},
	{event: "merge_group", required: []string{"merge_group"}},
	{event: "meta", required: []string{"hook_id", "hook"}, forbidden: []string{"zen"}},
	{event: "milestone", required: []string{"milestone"}, forbidden: []string{"issue", "pull_request"}},
	{event: "org_block", required: []string{"blocked_user"}},
	{event: "package", required: []string{"package"}},
	{event: "page_build", required: []string{"build"}},
	{event: "ping", required: []string{"zen"}},
	{event: "project", required: []string{"project"}, forbidden: []string{"project_card", "project_column"}},
	{event: "project_card", required: []string{"project_card"}},
	{event: "project_column", required: []string{"project_column"}},
	{event: "projects_v2", required: []string{"projects_v2"}},
	{event: "projects_v2_item", required: []string{"projects_v2_item"}},
	{event: "pull_request", required: []string{"pull_request", "number"}},
	{event: "pull_request_review", required: []string{"pull_request", "review"}},
	{event: "pull_request_review_comment", required: []string{"pull_request", "comment"}},
	{event: "pull_request_review_thread", required: []string{"pull_request", "thread"}},
	{event: "push", required: []string{"ref", "before", "after", "commits"}},
	{event: "registry_package", required: []string{"registry_package"}},
	{event: "release", required: []string{"release"}},
	{event: "repository_vulnerability_alert", required: []string{"alert"}},
	{event: "secret_scanning_alert", required: []string{"alert"}, forbidden: []string{"location"}},
	{event: "secret_scanning_alert_location", required: []string{"alert", "location"}},
	{event: "security_advisory", required: []string{"security_advisory"}},
	{event: "sponsorship", required: []string{"sponsorship"}},
	{event: "star", required: []string{"starred_at"}},
	{event: "status", required: []string{"sha", "state", "context"}},
	{event: "team", required: []string{"team", "action"}, forbidden: []string{"member"}},
	{event: "team_add", required: []string{"team"}, forbidden: []string{"action"}},
	{event: "workflow_dispatch", required: []string{"inputs", "workflow", "ref"}},
	{event: "workflow_job", required: []string{"workflow_job"}},
	{event: "workflow_run", required: []string{"workflow_run", "workflow"}, forbidden: []string{"since"}},
}

// githubMembers lists every member name the table mentions; githubFields
// reads them, and a shape's masks index into it.
var githubMembers, githubFields, githubMasks = func() ([]string, *jsonscan.Fields, map[string][2]uint64) {
	var names []string
	index := map[string]int{}
	bit := func(n string) uint64 {
		i, ok := index[n]
		if !ok {
			i = len(names)
			index[n] = i
			names = append(names, n)
		}
		return 1 << uint(i)
	}
	masks := map[string][2]uint64{}
	for _, s := range githubShapes {
		var req, forb uint64
		for _, n := range s.required {
			req |= bit(n)
		}
		for _, n := range s.forbidden {
			forb |= bit(n)
		}
		masks[s.event] = [2]uint64{req, forb}
	}
	return names, jsonscan.NewFields(names...), masks
}()

// githubTypeMatches reports whether the event type claimed in
// X-GitHub-Event is one the payload's top-level members allow.
func githubTypeMatches(event string, present uint64) bool {
	fits := func(m [2]uint64) bool { return m[0]&present == m[0] && m[1]&present == 0 }
	// maximal reports whether no other fitting type requires strictly more.
	maximal := func(m [2]uint64) bool {
		for _, o := range githubMasks {
			if fits(o) && o[0] != m[0] && o[0]&m[0] == m[0] {
				return false
			}
		}
		return true
	}
	if m, known := githubMasks[event]; known {
		return fits(m) && maximal(m)
	}
	for _, m := range githubMasks {
		if fits(m) {
			return false
		}
	}
	return true
}
