package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/asynqqueue"
	"github.com/switchboard-go/switchboard/webhooks/riverqueue"
)

// queueFlags are the flags every jobs command takes.
type queueFlags struct {
	url  string
	name string
}

func (f *queueFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.url, "queue", "", "queue URL: postgres://..., sqlite:///path/queue.db or redis://... (default $QUEUE_URL)")
	c.Flags().StringVar(&f.name, "queue-name", "", "queue name inside the backend (default: the backends' default, webhooks)")
}

// open opens the queue the flags name; migrate runs River's migrations.
func (f *queueFlags) open(ctx context.Context, migrate bool) (webhooks.Queue, error) {
	raw := f.url
	if raw == "" {
		raw = os.Getenv("QUEUE_URL")
	}
	if raw == "" {
		return nil, usageErrorf("--queue or QUEUE_URL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, usageErrorf("the queue URL does not parse")
	}
	switch strings.ToLower(u.Scheme) {
	case "postgres", "postgresql", "sqlite":
		var opts []riverqueue.Option
		if f.name != "" {
			opts = append(opts, riverqueue.WithQueueName(f.name))
		}
		if migrate {
			opts = append(opts, riverqueue.WithMigrate())
		}
		return riverqueue.Open(ctx, raw, opts...)
	case "redis", "rediss":
		var opts []asynqqueue.Option
		if f.name != "" {
			opts = append(opts, asynqqueue.WithQueueName(f.name))
		}
		return asynqqueue.Open(ctx, raw, opts...)
	}
	return nil, usageErrorf("unsupported queue URL scheme %q (postgres, sqlite, redis)", u.Scheme)
}

func newJobsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "jobs",
		Short: "Inspect and retry queued webhook events that ran out of attempts",
		Long: "Inspect and retry the jobs of a webhook queue (webhooks.WithQueue): River on PostgreSQL or SQLite,\n" +
			"Asynq on Redis. A job that ran out of attempts is kept as failed until it is retried.",
	}
	c.AddCommand(newJobsListCmd(), newJobsRetryCmd(), newJobsMigrateCmd())
	return c
}

func newJobsListCmd() *cobra.Command {
	var qf queueFlags
	var limit int
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List failed jobs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return usageErrorf("--limit must be at least 1")
			}
			q, err := qf.open(cmd.Context(), false)
			if err != nil {
				return asFailure(err)
			}
			defer q.Close()
			jobs, err := q.Failed(cmd.Context(), limit)
			if err != nil {
				return failure(err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if jobs == nil {
					jobs = []webhooks.JobInfo{}
				}
				return enc.Encode(jobs)
			}
			if len(jobs) == 0 {
				fmt.Fprintln(out, "no failed jobs")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROVIDER\tEVENT\tTYPE\tATTEMPTS\tFAILED AT\tLAST ERROR")
			for _, j := range jobs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Provider, j.EventID, j.Type, j.Attempts, j.MaxAttempts,
					j.FailedAt.UTC().Format(time.RFC3339), oneLine(j.LastError, 80))
			}
			return tw.Flush()
		},
	}
	qf.add(c)
	c.Flags().IntVar(&limit, "limit", 50, "list at most this many jobs")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newJobsRetryCmd() *cobra.Command {
	var qf queueFlags
	var all bool
	c := &cobra.Command{
		Use:   "retry (ID... | --all)",
		Short: "Queue failed jobs again for one more attempt",
		RunE: func(cmd *cobra.Command, ids []string) error {
			if all == (len(ids) > 0) {
				return usageErrorf("give job IDs or --all, not both or neither")
			}
			q, err := qf.open(cmd.Context(), false)
			if err != nil {
				return asFailure(err)
			}
			defer q.Close()
			out := cmd.OutOrStdout()
			if all {
				n, err := q.RetryFailed(cmd.Context())
				fmt.Fprintf(out, "%d failed jobs queued again\n", n)
				if err != nil {
					return failure(err)
				}
				return nil
			}
			for _, id := range ids {
				if err := q.Retry(cmd.Context(), id); err != nil {
					return failure(err)
				}
				fmt.Fprintf(out, "job %s queued again\n", id)
			}
			return nil
		},
	}
	qf.add(c)
	c.Flags().BoolVar(&all, "all", false, "retry every failed job")
	return c
}

func newJobsMigrateCmd() *cobra.Command {
	var qf queueFlags
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade River's tables in the queue's database (PostgreSQL, SQLite)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := qf.open(cmd.Context(), true)
			if err != nil {
				return asFailure(err)
			}
			defer q.Close()
			if _, ok := q.(*asynqqueue.Queue); ok {
				fmt.Fprintln(cmd.OutOrStdout(), "Redis queues need no migration")
				return nil
			}
			fmt.Fprintln(cmd.OutOrStdout(), "River's migrations are up to date")
			return nil
		},
	}
	qf.add(c)
	return c
}

// oneLine shortens s to one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
