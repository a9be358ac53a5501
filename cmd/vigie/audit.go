package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/sqldb"
)

// AuditCmd groups the audit log commands.
type AuditCmd struct {
	Verify AuditVerifyCmd `cmd:"" help:"Walk the hash chain and name the first broken entry; exit status 1 if broken."`
	List   AuditListCmd   `cmd:"" help:"Print entries."`
}

// AuditVerifyCmd checks the chain.
type AuditVerifyCmd struct{}

// Run verifies the chain.
func (c *AuditVerifyCmd) Run(m *Main) error {
	if err := m.openDB(); err != nil {
		return err
	}
	n, brk, err := sqldb.NewAuditService(m.DB).VerifyAudit(m.ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return vigie.Errorf(vigie.ECONFLICT, "audit log BROKEN at entry %d: %s (%d entries before it are intact)", brk.ID, brk.Reason, n)
	}
	fmt.Fprintf(m.Stdout, "audit log intact: %d entries verified\n", n)
	return nil
}

// AuditListCmd prints entries.
type AuditListCmd struct {
	After  int64  `help:"Only entries after this ID."`
	Limit  int    `help:"At most this many entries." default:"50"`
	Action string `help:"Only this action, e.g. auth.login."`
	Object string `help:"Only this object, e.g. user:3."`
}

// Run prints the entries.
func (c *AuditListCmd) Run(m *Main) error {
	if err := m.openDB(); err != nil {
		return err
	}
	entries, err := sqldb.NewAuditService(m.DB).FindAuditEntries(m.ctx, vigie.AuditFilter{AfterID: c.After, Limit: c.Limit, Action: c.Action, Object: c.Object})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tACTOR\tACTION\tOBJECT\tDETAILS")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.UTC().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Object, e.Details)
	}
	return tw.Flush()
}

// audit appends an entry to the audit log, attributed to ctx's actor.
func (m *Main) audit(ctx context.Context, action, object string, details map[string]any) (*vigie.AuditEntry, error) {
	return sqldb.NewAuditService(m.DB).AppendAudit(ctx, action, object, details)
}
