// Imported first by api-keys.test.ts: lib/env parses process.env once, when the first module asks for it.
export const PASSWORD = "api-keys-test-password";
export const REQUESTS_PER_MINUTE = 30;
Object.assign(process.env, { ADMIN_PASSWORD: PASSWORD, QUEUE_SCHEMA: "q_api_keys", API_KEY_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE) });
