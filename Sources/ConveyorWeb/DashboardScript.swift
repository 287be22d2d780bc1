/// The dashboard's only script, sent inline with each page's CSP nonce. It asks before destructive
/// buttons (`data-confirm`), checks every row's box from the header's, and on the overview polls
/// `stats.json` to draw the live throughput chart. Pages work without it, only less conveniently.
enum DashboardScript {
    static let javaScript = """
    document.addEventListener('click',function(e){var b=e.target.closest('[data-confirm]');if(b&&!confirm(b.getAttribute('data-confirm'))){e.preventDefault();}});
    document.querySelectorAll('input[data-check-all]').forEach(function(all){all.addEventListener('change',function(){document.querySelectorAll('input[name=id]').forEach(function(c){c.checked=all.checked;});});});
    (function(){var svg=document.getElementById('live');if(!svg)return;var url=svg.getAttribute('data-url'),every=3000,last=null,points=[],width=600,height=150;
    function line(values,max){return values.map(function(v,i){return (i*(width/59)).toFixed(1)+','+(height-(v/max)*(height-12)).toFixed(1);}).join(' ');}
    function draw(){var max=1;points.forEach(function(p){max=Math.max(max,p[0],p[1]);});
    document.getElementById('live-processed').setAttribute('points',line(points.map(function(p){return p[0];}),max));
    document.getElementById('live-failed').setAttribute('points',line(points.map(function(p){return p[1];}),max));
    document.getElementById('live-max').textContent=max+' / '+(every/1000)+' s';}
    function poll(){fetch(url,{credentials:'same-origin',headers:{'Accept':'application/json'}}).then(function(r){return r.json();}).then(function(s){
    if(last){points.push([Math.max(0,s.processed-last.processed),Math.max(0,s.failed-last.failed)]);if(points.length>60)points.shift();draw();}
    last=s;['processed','failed','busy','enqueued','retries','scheduled','dead'].forEach(function(k){var el=document.getElementById('stat-'+k);if(el)el.textContent=Number(s[k]).toLocaleString('en-US');});
    }).catch(function(){}).finally(function(){setTimeout(poll,every);});}
    poll();})();
    """
}
