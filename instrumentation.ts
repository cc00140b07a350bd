/**
 * Next.js runs `register` once when the web process starts: in production it refuses to serve with
 * missing or dangerous settings, naming each one, instead of failing request by request.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env, productionProblems } = await import("./lib/env");
  const config = env();
  if (config.NODE_ENV !== "production") return;
  const problems = productionProblems(config);
  if (problems.length) throw new Error(`Refusing to start in production:\n- ${problems.join("\n- ")}`);
}
