/// Previous and next links for a page of `total` rows that starts at `offset`, keeping the filter.
struct Pagination {
    let offset: Int
    let shown: Int
    let total: Int
    let pageSize: Int
    /// The page's own path, already inside the dashboard's prefix.
    let path: String
    let filter: String

    var html: String {
        guard total > 0 else { return "" }
        func link(_ page: Int, _ label: String) -> String {
            var query = "page=\(page)"
            if !filter.isEmpty { query += "&filter=" + HTML.urlComponent(filter) }
            return "<a class=\"button\" href=\"\(HTML.escape(path))?\(HTML.escape(query))\">\(label)</a>"
        }
        let page = offset / pageSize + 1
        let lastPage = max(1, (total + pageSize - 1) / pageSize)
        var parts: [String] = []
        if page > 1 { parts += [link(1, "« First"), link(page - 1, "‹ Previous")] }
        let range = shown == 0 ? "none of \(HTML.count(total))" : "\(HTML.count(offset + 1))–\(HTML.count(offset + shown)) of \(HTML.count(total))"
        parts.append("<span class=\"muted\">\(range) · page \(HTML.count(page)) of \(HTML.count(lastPage))</span>")
        if page < lastPage { parts += [link(page + 1, "Next ›"), link(lastPage, "Last »")] }
        return "<div class=\"pager\">\(parts.joined())</div>"
    }
}
