-- Pandoc filter for model output, which is untrusted: keep its words, drop anything that could act or
-- reach outside the document (raw HTML/OpenXML/Typst, images that would be read from disk or the network,
-- links to anything but the web, mail or a heading in the same document).
local SAFE_SCHEMES = { http = true, https = true, mailto = true }

function RawBlock(_) return {} end
function RawInline(_) return {} end

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
