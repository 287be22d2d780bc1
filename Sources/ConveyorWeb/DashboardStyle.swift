/// The dashboard's whole stylesheet, sent inline with each page's CSP nonce: no request leaves for a
/// CDN, so the dashboard works offline and behind a firewall. Narrow screens get one column and
/// tables that scroll sideways.
enum DashboardStyle {
    static let css = """
    :root{--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--brand:#2d5bd8;--bad:#c4320a;--ok:#067647;--warn:#b54708}
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
    header{background:#141a2a;color:#fff;display:flex;flex-wrap:wrap;align-items:center;gap:4px 16px;padding:8px 16px}
    header .brand{font-weight:700;font-size:16px;color:#fff;text-decoration:none;margin-right:8px}
    nav{display:flex;flex-wrap:wrap;gap:2px}nav a{color:#c9d2e3;text-decoration:none;padding:6px 10px;border-radius:6px}
    nav a.active,nav a:hover{background:#2a3350;color:#fff}nav .n{font-size:11px;background:#3b4566;border-radius:9px;padding:0 6px;margin-left:4px}
    main{padding:16px;max-width:1280px;margin:0 auto}h1{font-size:20px;margin:4px 0 14px}h2{font-size:16px;margin:22px 0 8px}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:10px}
    .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
    .card a{color:inherit;text-decoration:none}
    .panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px;overflow-x:auto}
    table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:top}
    th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    .wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
    code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
    pre{white-space:pre-wrap;word-break:break-all;background:#f2f4f7;padding:10px;border-radius:6px;margin:0}
    .args{max-width:360px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.err{color:var(--bad)}
    a{color:var(--brand)}button,.button{font:inherit;border:1px solid #c7cedb;background:#fff;border-radius:6px;padding:4px 10px;cursor:pointer;color:var(--ink);text-decoration:none;display:inline-block}
    button.danger{border-color:#f2b8a8;color:var(--bad)}button.primary{background:var(--brand);border-color:var(--brand);color:#fff}
    .bar{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:10px 0}.bar .grow{flex:1}
    input[type=search]{font:inherit;padding:5px 8px;border:1px solid #c7cedb;border-radius:6px;min-width:200px}
    .pager{display:flex;gap:6px;align-items:center;margin:10px 0;flex-wrap:wrap}.muted{color:var(--muted)}
    .tag{display:inline-block;font-size:11px;border-radius:9px;padding:0 7px;background:#eef2ff;color:#3538cd;margin:1px}
    .tag.quiet{background:#fef0c7;color:var(--warn)}.flash{background:#ecfdf3;border:1px solid #abefc6;border-radius:8px;padding:8px 12px;margin-bottom:12px}
    svg{display:block;width:100%}svg.chart{height:160px}.axis{display:flex;justify-content:space-between;font-size:11px;color:var(--muted)}
    .legend{font-size:12px;color:var(--muted)}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
    .l-ok{background:#2d5bd8}.l-bad{background:#e5484d}footer{color:var(--muted);font-size:12px;padding:16px;text-align:center}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
    .read-only form[method=post] button,.read-only input[name=id],.read-only input[data-check-all]{display:none}
    @media (max-width:640px){main{padding:10px}th,td{padding:6px 5px}.args{max-width:160px}input[type=search]{min-width:0;width:100%}}
    """
}
