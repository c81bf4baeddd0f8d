import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SERVER_ENTRY } from "./client.js";

function hasNvim(): boolean {
  try {
    execFileSync("nvim", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const NVIM = hasNvim();
if (!NVIM) console.warn("neovim.test.ts: skipped because `nvim` is not installed (apt-get install -y neovim)");

/**
 * A headless Neovim as a real LSP client: starts the server (vim.lsp.start
 * on 0.8+, start_client + buf_attach_client on 0.7), opens a plan with a
 * misspelled name, waits for diagnostics, asks for completion after `on 5m `
 * and writes both as JSON.
 */
const INIT_LUA = `
local out = vim.env.TP_OUT
local function finish(tbl)
  local f = io.open(out, "w")
  f:write(vim.json.encode(tbl))
  f:close()
  vim.cmd("qa!")
end
vim.cmd("edit " .. vim.fn.fnameescape(vim.env.TP_PLAN))
vim.bo.filetype = "tradeplan"
local bufnr = vim.api.nvim_get_current_buf()
local config = {
  name = "tradeplan",
  cmd = { vim.env.TP_NODE, "--conditions=@tradeplan/source", "--import", "tsx", vim.env.TP_SERVER, "--stdio" },
  cmd_cwd = vim.env.TP_ROOT,
  root_dir = vim.env.TP_ROOT,
}
local client_id
if vim.lsp.start then
  client_id = vim.lsp.start(config)
else
  client_id = vim.lsp.start_client(config)
  vim.lsp.buf_attach_client(bufnr, client_id)
end
local ok = vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
if not ok then finish({ error = "no diagnostics within 30 s" }) return end
local diags = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(diags, { lnum = d.lnum, col = d.col, message = d.message, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code), severity = d.severity })
end
local client = vim.lsp.get_client_by_id(client_id)
local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = 5, character = 6 } }
local resp = client.request_sync("textDocument/completion", params, 20000, bufnr)
local labels = {}
if resp and resp.result then
  local items = resp.result.items or resp.result
  for _, item in ipairs(items) do table.insert(labels, item.label) end
end
finish({ diagnostics = diags, completion = labels, err = resp and resp.err and resp.err.message or vim.NIL })
`;

describe.skipIf(!NVIM)("Neovim as the client", () => {
  it("shows the server's diagnostics and completion", () => {
    const dir = mkdtempSync(join(tmpdir(), "tradeplan-nvim-"));
    try {
      const plan = join(dir, "mistake.plan");
      writeFileSync(
        plan,
        'plan "nvim"\nsymbol AAPL\n\nlet breakout = 150\non 5m close above brekout enter long\non 5m \n',
      );
      const init = join(dir, "init.lua");
      writeFileSync(init, INIT_LUA);
      const out = join(dir, "out.json");
      const r = spawnSync("nvim", ["--headless", "--clean", "-u", init], {
        cwd: ROOT,
        env: {
          ...process.env,
          TP_OUT: out,
          TP_PLAN: plan,
          TP_NODE: process.execPath,
          TP_SERVER: SERVER_ENTRY,
          TP_ROOT: ROOT,
        },
        encoding: "utf8",
        timeout: 90_000,
      });
      let result: {
        diagnostics?: { lnum: number; col: number; message: string; code?: string }[];
        completion?: string[];
        error?: string;
      };
      try {
        result = JSON.parse(readFileSync(out, "utf8"));
      } catch {
        throw new Error(`nvim wrote no result (status ${r.status}): ${r.stderr}${r.stdout}`);
      }
      expect(result.error).toBeUndefined();
      // The misspelled name; the unfinished last line is a syntax error, and `breakout` is unused because of the typo.
      expect(result.diagnostics?.map((d) => d.code).sort()).toEqual(["E0101", "E0201", "W0601"]);
      expect(result.diagnostics).toContainEqual(
        expect.objectContaining({
          lnum: 4,
          col: 18,
          code: "E0201",
          message: expect.stringMatching(/^unknown name `brekout`/),
        }),
      );
      expect(result.completion).toEqual(expect.arrayContaining(["close", "sma", "breakout", "trailing stop"]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
