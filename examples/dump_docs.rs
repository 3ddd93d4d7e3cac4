fn main() {
    let store = govtrust::store::Store::open(std::path::Path::new(&std::env::args().nth(1).unwrap())).unwrap();
    let filter = std::env::args().nth(2).unwrap_or_default();
    for d in store.documents(None).unwrap() {
        let i = govtrust::evidence::run::doc_input(&d);
        if i.title.contains(&filter) || i.url.contains(&filter) {
            println!("{} | unit={:?} col={:?} rec={} pub={:?} | {} | fields={:?}\n  body={:?}", i.url, i.unit, i.column, i.is_record, i.published, i.title, i.fields, i.body.chars().take(300).collect::<String>());
        }
    }
}
