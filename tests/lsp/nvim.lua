-- nvim.lua: Neovim's built-in LSP client runs `ecsc lsp` on the buffer it
-- was started with and writes the diagnostics it receives to $OUT, one a
-- line: LINE:COL:CODE:MESSAGE (1-based, the message's lines joined by |).
-- vim.lsp.start_client is what Neovim 0.7 (Debian's) and later all have.
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = "ecsc",
  cmd = { os.getenv("ECSC"), "lsp" },
  root_dir = vim.fn.expand("%:p:h"),
})
vim.lsp.buf_attach_client(buf, id)
vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or "?"
  local msg = d.message:gsub("\n", " | ")
  table.insert(lines, string.format("%d:%d:%s:%s", d.lnum + 1, d.col + 1, code, msg))
end
vim.fn.writefile(lines, os.getenv("OUT"))
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd("qall!")
