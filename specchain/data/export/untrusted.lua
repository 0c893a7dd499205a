-- Pandoc filter for model output, which is untrusted: keep every word, let nothing act or reach outside the
-- document. Raw HTML shows as the literal text it is, as on screen (only <br> breaks the line); images, which
-- would be read from disk or the network, become their description; links to anything but the web, mail or a
-- heading in the same document become their text.
local SAFE_SCHEMES = { http = true, https = true, mailto = true }

local function is_line_break(text)
  return text:lower():match("^%s*<br%s*/?>%s*$") ~= nil
end

function RawInline(raw)
  if is_line_break(raw.text) then return pandoc.LineBreak() end
  return pandoc.Inlines(raw.text)
end

function RawBlock(raw)
  if is_line_break(raw.text) then return {} end
  local inlines = pandoc.Inlines({})
  for line in raw.text:gmatch("[^\n]+") do
    if #inlines > 0 then inlines:insert(pandoc.SoftBreak()) end
    inlines:extend(pandoc.Inlines(line))
  end
  return pandoc.Para(inlines)
end

function Image(image)
  return image.caption
end

function Link(link)
  local target = link.target
  if target:sub(1, 1) == "#" then return link end
  local scheme = target:match("^([%a][%w+.-]*):")
  if scheme and SAFE_SCHEMES[scheme:lower()] then return link end
  return link.content
end
