fn main() {
    println!("preclin");
}
