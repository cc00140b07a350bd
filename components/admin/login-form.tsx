"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { adminLogin, queryKeys } from "@/components/api/endpoints";
import { errorMessage } from "@/components/api/fetch-json";

/** Password sign-in; the server's message (wrong password, too many attempts) is shown as is. */
export function LoginForm() {
  const client = useQueryClient();
  const router = useRouter();
  const [password, setPassword] = useState("");
  const inputId = useId();
  const errorId = useId();
  const login = useMutation({
    mutationFn: adminLogin,
    onSuccess: async () => {
      setPassword("");
      // The page decides on the server what a signed-in admin sees (app/admin/page.tsx).
      router.refresh();
      await client.invalidateQueries({ queryKey: queryKeys.documentLists() });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password) login.mutate(password);
  };
  return (
    <form onSubmit={submit} className="max-w-sm space-y-4 rounded-lg border border-line bg-white p-6" aria-label="Admin sign in">
      <p className="text-sm text-ink-muted">Sign in to see and manage every document.</p>
      <div className="space-y-1.5">
        <label htmlFor={inputId} className="block text-sm font-medium">
          Admin password
        </label>
        <input
          id={inputId}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={login.isError}
          aria-describedby={login.isError ? errorId : undefined}
          className="w-full rounded-md border border-neutral-300 px-3 py-2 focus:border-accent-600"
        />
      </div>
      {login.isError && (
        <p id={errorId} role="alert" data-testid="login-error" className="text-sm text-red-700">
          {errorMessage(login.error)}
        </p>
      )}
      <button
        type="submit"
        disabled={login.isPending || !password}
        className="rounded-md bg-accent-600 px-4 py-2 text-sm font-medium text-white hover:bg-accent-700 disabled:opacity-50"
      >
        {login.isPending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
