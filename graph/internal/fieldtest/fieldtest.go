// Package fieldtest sets every field of a value by reflection, for the
// tests that hold each place a model field must be handled (stored
// encodings, the equality updates use) to every field there is: a field
// added to graph.Entity, Relation, Predicate, Source or Quantity is set
// here without being named, so those tests fail until every place handles
// it, and a field of a kind this package cannot set fails them with its name.
package fieldtest

import (
	"fmt"
	"reflect"
	"strconv"
)

// Fill sets every field of the struct ptr points to, recursively, to a
// value that is not its zero value: strings name their field ("Sources[1].URL
// 1"), numbers are distinct, booleans true, pointers point to a filled
// value, slices hold two filled elements. It returns an error naming the
// first field of a kind it cannot set.
func Fill(ptr any) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("fieldtest.Fill takes a pointer to a struct, not %T", ptr)
	}
	n := 0
	return fill(v.Elem(), v.Elem().Type().Name(), &n)
}

func fill(v reflect.Value, path string, n *int) error {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(path + " " + strconv.Itoa(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := fill(p.Elem(), path, n); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			if err := fill(s.Index(i), path+"["+strconv.Itoa(i)+"]", n); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return fmt.Errorf("field %s.%s is unexported: fieldtest cannot set it", path, f.Name)
			}
			if err := fill(v.Field(i), path+"."+f.Name, n); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("field %s is a %s, which fieldtest.Fill does not know how to set: teach it (graph/internal/fieldtest), then handle the field everywhere its tests point to", path, v.Type())
	}
	return nil
}

// A Variant is a filled value with one field changed.
type Variant struct {
	// Path names the field changed ("Relation.Quantity.LowerBound").
	Path string
	// Value is a pointer to the value, of the type Variants was given.
	Value any
}

// Variants returns a filled value (as Fill fills it, from newPtr) and, for
// every field that holds a string, a number or a boolean, at any depth, a
// copy of it with that one field changed (a string lengthened, a number
// increased, a boolean flipped).
func Variants(newPtr func() any) (base any, variants []Variant, err error) {
	base = newPtr()
	if err := Fill(base); err != nil {
		return nil, nil, err
	}
	for i := 0; ; i++ {
		v := newPtr()
		Fill(v)
		skip := i
		path, ok := change(reflect.ValueOf(v).Elem(), reflect.ValueOf(v).Elem().Type().Name(), &skip)
		if !ok {
			return base, variants, nil
		}
		variants = append(variants, Variant{Path: path, Value: v})
	}
}

// change changes the leaf numbered *i (counted down as leaves are passed)
// and returns its path, or reports that there are fewer leaves.
func change(v reflect.Value, path string, i *int) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "", false
		}
		return change(v.Elem(), path, i)
	case reflect.Slice:
		for j := range v.Len() {
			if p, ok := change(v.Index(j), path+"["+strconv.Itoa(j)+"]", i); ok {
				return p, true
			}
		}
		return "", false
	case reflect.Struct:
		for j := range v.NumField() {
			if p, ok := change(v.Field(j), path+"."+v.Type().Field(j).Name, i); ok {
				return p, true
			}
		}
		return "", false
	}
	if *i > 0 {
		*i--
		return "", false
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + " changed")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	default:
		return "", false
	}
	return path, true
}

// Copy returns a deep copy of the filled value ptr points to, made by
// filling a new value the same way (Fill is deterministic).
func Copy(newPtr func() any) any {
	v := newPtr()
	Fill(v)
	return v
}

// Diff lists the paths of the fields where two values of one type differ
// ("Relation.Sources[0].URL"), or nothing when they are deeply equal.
func Diff(a, b any) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for va.Kind() == reflect.Pointer && vb.Kind() == reflect.Pointer && !va.IsNil() && !vb.IsNil() {
		va, vb = va.Elem(), vb.Elem()
	}
	var out []string
	diff(va, vb, va.Type().Name(), &out)
	return out
}

func diff(a, b reflect.Value, path string, out *[]string) {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				*out = append(*out, path)
			}
			return
		}
		diff(a.Elem(), b.Elem(), path, out)
	case reflect.Slice:
		if a.Len() != b.Len() {
			*out = append(*out, path+" (length)")
			return
		}
		for i := range a.Len() {
			diff(a.Index(i), b.Index(i), path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			diff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name, out)
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, path)
		}
	}
}
