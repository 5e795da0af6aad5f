package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Order is one fulfilled payment.
type Order struct {
	ID        int64     `json:"id"`
	Provider  string    `json:"provider"`
	PaymentID string    `json:"payment_id"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	Email     string    `json:"email"`
	User      string    `json:"user"` // who paid: the payment's "user" metadata
	Status    string    `json:"status"`
	Product   string    `json:"product,omitempty"` // the storefront's product id
	CreatedAt time.Time `json:"created_at"`
	// Receipt names the email sender that took the receipt ("log" when
	// it was written to the log); empty until it is sent.
	Receipt string    `json:"receipt,omitempty"`
	SMS     *OrderSMS `json:"sms,omitempty"` // the receipt text and its latest status: sms.go
}

// orderDB keeps orders in SQLite. A payment gives at most one order: the
// (provider, payment_id) pair is unique, so even a fulfilment that runs
// twice (it does not, thanks to the webhook store, but a database should
// not rely on that) cannot create a second row.
type orderDB struct {
	db *sql.DB
}

const ordersSchema = `
CREATE TABLE IF NOT EXISTS orders (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	provider   TEXT    NOT NULL,
	payment_id TEXT    NOT NULL,
	amount     INTEGER NOT NULL,
	currency   TEXT    NOT NULL,
	email      TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	created_at TEXT    NOT NULL,
	user_id    TEXT    NOT NULL DEFAULT '',
	receipt    TEXT    NOT NULL DEFAULT '',
	product    TEXT    NOT NULL DEFAULT '',
	UNIQUE (provider, payment_id)
)`

// ordersColumns add the columns a table made by an earlier version lacks:
// user_id (orders had no owners), receipt (receipts were not tracked),
// product (the storefront's product id; empty for API payments).
var ordersColumns = []string{
	`ALTER TABLE orders ADD COLUMN user_id TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE orders ADD COLUMN receipt TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE orders ADD COLUMN product TEXT NOT NULL DEFAULT ''`,
}

func openOrders(ctx context.Context, path string) (*orderDB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open orders database: %w", err)
	}
	db.SetMaxOpenConns(1) // one writer; SQLite serialises writes anyway
	if _, err := db.ExecContext(ctx, ordersSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create orders table: %w", err)
	}
	for _, stmt := range ordersColumns {
		if _, err := db.ExecContext(ctx, stmt); err != nil && !strings.Contains(err.Error(), "duplicate column") {
			db.Close()
			return nil, fmt.Errorf("upgrade orders table: %w", err)
		}
	}
	return &orderDB{db: db}, nil
}

// create inserts the order for a payment and returns it. When the payment
// already has an order, the existing one is returned and created is false.
func (o *orderDB) create(ctx context.Context, ord Order) (_ Order, created bool, err error) {
	ord.CreatedAt = ord.CreatedAt.UTC().Truncate(time.Millisecond)
	res, err := o.db.ExecContext(ctx,
		`INSERT INTO orders (provider, payment_id, amount, currency, email, status, created_at, user_id, product)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, payment_id) DO NOTHING`,
		ord.Provider, ord.PaymentID, ord.Amount, ord.Currency, ord.Email, ord.Status,
		ord.CreatedAt.Format(time.RFC3339Nano), ord.User, ord.Product)
	if err != nil {
		return Order{}, false, fmt.Errorf("insert order: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Order{}, false, fmt.Errorf("insert order: %w", err)
	}
	existing, err := o.byPayment(ctx, ord.Provider, ord.PaymentID)
	if err != nil {
		return Order{}, false, err
	}
	return existing, n == 1, nil
}

func (o *orderDB) byPayment(ctx context.Context, provider, paymentID string) (Order, error) {
	row := o.db.QueryRowContext(ctx,
		`SELECT id, provider, payment_id, amount, currency, email, status, created_at, user_id, receipt, product
		 FROM orders WHERE provider = ? AND payment_id = ?`, provider, paymentID)
	ord, err := scanOrder(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, fmt.Errorf("order for payment %s not found", paymentID)
	}
	return ord, err
}

// find returns the order of a payment; found is false when it has none.
func (o *orderDB) find(ctx context.Context, provider, paymentID string) (_ Order, found bool, err error) {
	row := o.db.QueryRowContext(ctx,
		`SELECT id, provider, payment_id, amount, currency, email, status, created_at, user_id, receipt, product
		 FROM orders WHERE provider = ? AND payment_id = ?`, provider, paymentID)
	ord, err := scanOrder(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, false, nil
	}
	if err != nil {
		return Order{}, false, fmt.Errorf("find order: %w", err)
	}
	return ord, true, nil
}

// setReceipt records that the receipt of order id went to sender.
func (o *orderDB) setReceipt(ctx context.Context, id int64, sender string) error {
	if sender == "" {
		sender = "email"
	}
	if _, err := o.db.ExecContext(ctx, `UPDATE orders SET receipt = ? WHERE id = ?`, sender, id); err != nil {
		return fmt.Errorf("record receipt: %w", err)
	}
	return nil
}

// list returns the orders of one user.
func (o *orderDB) list(ctx context.Context, user string) ([]Order, error) {
	rows, err := o.db.QueryContext(ctx,
		`SELECT id, provider, payment_id, amount, currency, email, status, created_at, user_id, receipt, product
		 FROM orders WHERE user_id = ? ORDER BY id`, user)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	defer rows.Close()
	out := []Order{}
	for rows.Next() {
		ord, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ord)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanOrder(s scanner) (Order, error) {
	var ord Order
	var created string
	if err := s.Scan(&ord.ID, &ord.Provider, &ord.PaymentID, &ord.Amount, &ord.Currency, &ord.Email, &ord.Status, &created, &ord.User, &ord.Receipt, &ord.Product); err != nil {
		return Order{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		return Order{}, fmt.Errorf("order %d: bad created_at: %w", ord.ID, err)
	}
	ord.CreatedAt = t
	return ord, nil
}

func (o *orderDB) close() error { return o.db.Close() }
