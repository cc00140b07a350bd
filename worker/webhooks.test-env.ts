// Imported first by webhooks.test.ts: the web routes parse process.env once. The upload route refuses
// private callback URLs here (as in production); the test's worker is allowed them (its own env).
Object.assign(process.env, { WEBHOOK_ALLOW_PRIVATE: "false" });
